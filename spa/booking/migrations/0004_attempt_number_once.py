from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0003_reminder_lease_and_reasons"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='deliveryattempt',
            constraint=models.UniqueConstraint(fields=('reminder', 'number'), name='attempt_number_once'),
        ),
    ]
