from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views
from reports import views as report_views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("rapidsms.urls.login_logout")),
    # Only with the permission to use it (config.middleware.MessageTesterPermissionMiddleware).
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", report_views.message_log, name="message_log"),
    path("gateway/", include("messaging.urls")),
    path("reports/", include("reports.urls")),
]
