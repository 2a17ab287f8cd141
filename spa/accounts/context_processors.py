from spa.core.access import capabilities


def staff_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can": capabilities(user)}
