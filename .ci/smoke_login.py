"""Log in as a demo user through the login form and land on the front desk's today page (with its search box).
Standard library only: it runs before (and outside) the project's virtualenv.
    python3 .ci/smoke_login.py http://127.0.0.1:PORT USERNAME PASSWORD"""

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base, username, password = sys.argv[1:4]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

page = opener.open(f"{base}/accounts/login/", timeout=30)
html = page.read().decode()
assert page.status == 200, page.status
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
form = urllib.parse.urlencode(
    {"csrfmiddlewaretoken": token, "username": username, "password": password}
).encode()
request = urllib.request.Request(
    f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
)
answer = opener.open(request, timeout=30)  # follows the redirect after a good login
body = answer.read().decode()
assert answer.status == 200, answer.status
assert urllib.parse.urlparse(answer.url).path == "/today/", f"landed on {answer.url}"
assert 'name="q"' in body, "the today page has no search box"
print(f"demo login {username!r} reached {answer.url}")
