from django.urls import path
from notes import views
urlpatterns = [
    path("", views.index), path("about", views.about), path("stats", views.stats),
    path("db", views.db), path("cache", views.cache_view), path("mail", views.mail),
    path("pw", views.pw), path("when", views.when), path("session", views.session),
    path("tz", views.tz), path("i18n", views.i18n),
]
