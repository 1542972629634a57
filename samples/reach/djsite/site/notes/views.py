import datetime
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

def index(request):
    return HttpResponse('<html><body><h1>notes</h1><a href="/about">about</a></body></html>')

def about(request):
    return HttpResponse("<html><body>about</body></html>")

def stats(request):
    now = datetime.datetime.now(datetime.timezone.utc)
    return render(request, "notes/stats.html", {"n": 1234567, "then": now - datetime.timedelta(hours=3), "now": now})

def db(request):
    from django.db import connection
    with connection.cursor() as c:
        c.execute("create table if not exists t (x int)"); c.execute("insert into t values (1)")
        c.execute("select count(*) from t"); n = c.fetchone()[0]
    return HttpResponse("rows=%d vendor=%s" % (n, connection.vendor))

def cache_view(request):
    from django.core.cache import cache
    cache.set("k", {"v": 1}, 30)
    return JsonResponse(cache.get("k"))

def mail(request):
    from django.core.mail import send_mail
    n = send_mail("Grüße", "Hallo Welt", "a@example.com", ["b@example.com"])
    return HttpResponse("sent=%d" % n)

def pw(request):
    from django.contrib.auth.hashers import make_password, check_password
    h = make_password("s3cret")
    return HttpResponse("%s ok=%s" % (h.split("$")[0], check_password("s3cret", h)))

def when(request):
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _
    d = datetime.datetime(2024, 3, 5, 14, 30, tzinfo=datetime.timezone.utc)
    return HttpResponse("%s | %s | %s" % (formats.date_format(d, "DATETIME_FORMAT"), formats.number_format(1234.5, 2, use_l10n=True, force_grouping=True), _("Monday")))

def session(request):
    request.session["n"] = request.session.get("n", 0) + 1
    return HttpResponse("n=%d" % request.session["n"])

def tz(request):
    from django.utils import timezone
    import zoneinfo
    timezone.activate(zoneinfo.ZoneInfo(request.GET.get("z", "Europe/Berlin")))
    return HttpResponse(timezone.localtime(datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc)).isoformat())

def i18n(request):
    from django.utils.translation import gettext as _, get_language
    return render(request, "notes/i18n.html", {"lang": get_language()})
