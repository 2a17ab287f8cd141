def test_createsuperuser_makes_the_owner(db):
    from django.core.management import call_command

    from spa.accounts.models import Role, User

    call_command(
        "createsuperuser", username="boss", email="boss@example.com", interactive=False, verbosity=0
    )
    boss = User.objects.get(username="boss")
    assert boss.role == Role.OWNER and boss.branch is None and boss.is_superuser
