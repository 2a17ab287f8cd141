from django.urls import path

from spa.office import views_branches

urlpatterns = [
    path("branches/mine/", views_branches.mine, name="branches_mine"),
    path("branches/<int:pk>/hours/", views_branches.hours, name="branches_hours"),
    path("branches/<int:pk>/closures/", views_branches.closures, name="branches_closures"),
    path(
        "branches/<int:pk>/closures/<int:closure_id>/remove/",
        views_branches.closure_remove_view,
        name="branches_closure_remove",
    ),
]
