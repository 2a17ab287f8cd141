from django.urls import path

from spa.treatments import views

app_name = "treatments"

urlpatterns = [
    path("clients/<int:client_id>/sessions/new/", views.session_new, name="session_new"),
    path("clients/<int:client_id>/", views.course, name="course"),
    path("clients/<int:client_id>/report.pdf", views.course_pdf, name="course_pdf"),
    path("clients/<int:client_id>/patch-tests/new/", views.patch_test_new, name="patch_test_new"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("photos/<int:photo_id>/<str:size>.jpg", views.photo, name="photo"),
]
