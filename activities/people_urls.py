"""The people pages under /people/ (signed-in staff allowed to see personal data):
activities/views/people.py."""

from django.urls import path

from .views import people

app_name = "people"

urlpatterns = [
    path("", people.person_list, name="list"),
    path("duplicates/", people.duplicate_list, name="duplicates"),
    path("<int:pk>/", people.person_detail, name="detail"),
    path("<int:pk>/merge/", people.person_merge, name="merge"),
    path("<int:pk>/erase/", people.person_erase, name="erase"),
    path("merges/<int:pk>/undo/", people.merge_undo, name="merge-undo"),
]
