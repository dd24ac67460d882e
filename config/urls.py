from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/httptester/", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("rapidsms.urls.login_logout")),
    # Staff only (config.middleware.StaffOnlyMiddleware): the tester sends SMS as any phone.
    path("httptester/", include("rapidsms.contrib.httptester.urls")),
    path("messagelog/", include("rapidsms.contrib.messagelog.urls")),
    path("gateway/", include("messaging.urls")),
    path("reports/", include("reports.urls")),
]
