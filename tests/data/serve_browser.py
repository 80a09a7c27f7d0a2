"""Drive `deployctl serve`'s page in a real headless Chromium over WebDriver (selenium, with
Debian's chromium and chromium-driver), and run axe-core (npm's, found with `npm root -g`) on
every page it visits. Used by tests/serve.rs, which tells it when to go on (one line on stdin)
and reads one JSON line per step on stdout.

usage: serve_browser.py BASE_URL APP TOKEN SCREENSHOT HOST...
"""
import json
import os
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

base, app, token, shot = sys.argv[1:5]
hosts = sys.argv[5:]
WAIT = 60


def say(**kw):
    print(json.dumps(kw), flush=True)


def axe_source():
    """axe-core's axe.min.js from the global npm root (.ci/install-test-deps installs it)."""
    try:
        root = subprocess.run(["npm", "root", "-g"], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"npm root -g failed ({e}): install npm and axe-core with .ci/install-test-deps "
                 "(npm install -g axe-core@4)")
    path = os.path.join(root, "axe-core", "axe.min.js")
    if not os.path.isfile(path):
        sys.exit(f"axe-core missing ({path}): install it with .ci/install-test-deps "
                 "(npm install -g axe-core@4)")
    with open(path, encoding="utf-8") as f:
        return f.read()


AXE = axe_source()
# Every rule axe runs by default (WCAG 2.x A and AA, best practices), none disabled. The source
# goes in through WebDriver (chromedriver evaluates it over DevTools), which the page's CSP
# (`default-src 'self'`: no inline script) does not govern; checked against a page with the same
# header, and `axe` must be defined afterwards, which AXE_RUN checks.
AXE_RUN = """
    var done = arguments[arguments.length - 1];
    if (typeof axe === "undefined") { done({error: "axe-core was not injected"}); return; }
    axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
        done({version: axe.version, violations: r.violations.map(function (v) {
            return {id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
        })});
    }, function (e) { done({error: String(e)}); });"""


def loaded(d):
    WebDriverWait(d, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def check(d, url):
    """Console errors and axe-core's violations of the page on screen, after it loaded."""
    # The favicon request runs after the load: give it a bounded moment by asking for it.
    d.execute_script("return fetch('/favicon.ico').then(function (r) { return r.status; });")
    d.execute_script(AXE)
    axe = d.execute_async_script(AXE_RUN)
    errors = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    return {"url": url, "console_errors": errors, "axe": axe.get("version"),
            "axe_error": axe.get("error"), "violations": axe.get("violations")}


def page_problems(d, url):
    """`check` of one page, loaded afresh."""
    d.get_log("browser")  # drop what earlier pages logged
    d.get(url)
    loaded(d)
    return check(d, url)


def host_states(d):
    # Read in one script: a live update may replace the rows between two WebDriver calls.
    return d.execute_script("""
        var out = {};
        document.querySelectorAll("#hosts tbody tr[data-host]").forEach(function (r) {
            out[r.getAttribute("data-host")] = r.getAttribute("data-state");
        });
        return out;""")


opts = Options()
opts.binary_location = "/usr/bin/chromium"
# The console, to report errors (a 404 for /favicon.ico, a CSP refusal, a script error).
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1200,900"):
    opts.add_argument(a)
d = webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))
d.set_script_timeout(WAIT)
try:
    d.get(f"{base}/apps/{app}")
    WebDriverWait(d, WAIT).until(lambda d: set(host_states(d)) >= set(hosts))
    # Every page axe-core checks, logged out (hosts still deploying) and then logged in.
    pages = [check(d, f"{base}/apps/{app} (logged out, deploying)")]
    say(step="hosts", app=d.find_element(By.TAG_NAME, "h1").text, hosts=host_states(d))
    # A marker that a reload would wipe out.
    d.execute_script("window.__deployctl_marker = 42;")
    sys.stdin.readline()
    WebDriverWait(d, WAIT).until(
        lambda d: all(host_states(d).get(h) == "healthy" for h in hosts))
    reloaded = d.execute_script("return window.__deployctl_marker !== 42;")
    say(step="updated", reloaded=reloaded, hosts=host_states(d))

    # The login page, then its answer to a wrong token (the error message).
    pages.append(page_problems(d, f"{base}/login?next=/apps/{app}"))
    d.find_element(By.ID, "token").send_keys("not-the-token" + Keys.ENTER)
    WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.error"))
    loaded(d)
    pages.append(check(d, f"{base}/login (wrong token)"))
    # With the keyboard only: type the token, Enter; Tab to the pause button, Enter.
    d.find_element(By.ID, "token").send_keys(token + Keys.ENTER)
    WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.ID, "do-pause"))
    body = d.find_element(By.TAG_NAME, "body")
    for _ in range(40):
        body = d.switch_to.active_element
        if body.get_attribute("id") == "do-pause":
            break
        body.send_keys(Keys.TAB)
    focused = d.switch_to.active_element.get_attribute("id")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(d, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#release-state .state-paused"))
    say(step="paused", focused=focused)
    d.save_screenshot(shot)
    # A phone's width: nothing wider than the screen (tables scroll inside their box).
    d.set_window_size(390, 844)
    overflow = d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    d.save_screenshot(shot.replace(".png", "-phone.png"))
    d.set_window_size(1200, 900)
    pages += [page_problems(d, f"{base}/"), page_problems(d, f"{base}/apps/{app}"),
              page_problems(d, f"{base}/apps/{app}/hosts/{hosts[0]}")]
    favicon = d.execute_async_script(
        "var done = arguments[0];"
        "fetch('/favicon.ico').then(function (r) { done([r.status, r.headers.get('content-type')]); });")
    say(step="done", overflow=overflow, pages=pages, favicon=favicon)
finally:
    d.quit()
