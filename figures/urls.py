from django.urls import path

from figures import views

app_name = "figures"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.<str:fmt>", views.export, name="export"),
    path("feeds/", views.feed_list, name="feeds"),
    path("feeds/new/", views.feed_create, name="feed_create"),
    path("feeds/<int:feed_id>/", views.feed_detail, name="feed"),
    path("feeds/<int:feed_id>/edit/", views.feed_edit, name="feed_edit"),
    path("feeds/<int:feed_id>/delete/", views.feed_delete, name="feed_delete"),
    path("feeds/<int:feed_id>/run/", views.feed_run, name="feed_run"),
]
