from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def report(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse("")
