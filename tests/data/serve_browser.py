"""Drive `deployctl serve`'s page in a real headless Chromium over WebDriver (selenium, with
Debian's chromium and chromium-driver). Used by tests/serve.rs, which tells it when to go on
(one line on stdin) and reads one JSON line per step on stdout.

usage: serve_browser.py BASE_URL APP TOKEN SCREENSHOT HOST...
"""
import json
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


# axe-core's landmark-unique rule: landmarks of one role need distinct accessible names.
DUPLICATE_LANDMARKS = """
    var implicit = {MAIN: "main", NAV: "navigation", ASIDE: "complementary",
                    HEADER: "banner", FOOTER: "contentinfo", SECTION: "region", FORM: "form"};
    function name(e) {
        if (e.getAttribute("aria-labelledby")) {
            return e.getAttribute("aria-labelledby").split(/\\s+/).map(function (id) {
                var l = document.getElementById(id); return l ? l.textContent.trim() : "";
            }).join(" ");
        }
        return (e.getAttribute("aria-label") || e.getAttribute("title") || "").trim();
    }
    var seen = {}, dup = [];
    document.querySelectorAll("main,nav,aside,header,footer,section,form,[role]").forEach(function (e) {
        var role = e.getAttribute("role") || implicit[e.tagName];
        var n = name(e);
        var landmarks = ["main", "navigation", "complementary", "banner", "contentinfo",
                         "region", "form", "search"];
        if (!role || landmarks.indexOf(role) < 0) return;
        // A section or form is a landmark only with a name; header/footer only at the top.
        if ((role === "region" || role === "form") && !n) return;
        if ((e.tagName === "HEADER" || e.tagName === "FOOTER") && !e.getAttribute("role") &&
            e.closest("main,section,article,aside,nav")) return;
        var key = role + "|" + n.toLowerCase();
        if (seen[key]) dup.push(key); else seen[key] = true;
    });
    return dup;"""


def page_problems(d, url):
    """Console errors and duplicate landmarks of one page, after it loaded."""
    d.get_log("browser")  # drop what earlier pages logged
    d.get(url)
    WebDriverWait(d, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    # The favicon request runs after the load: give it a bounded moment by asking for it.
    d.execute_script("return fetch('/favicon.ico').then(function (r) { return r.status; });")
    errors = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    return {"url": url, "console_errors": errors,
            "duplicate_landmarks": d.execute_script(DUPLICATE_LANDMARKS)}


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
try:
    d.get(f"{base}/apps/{app}")
    WebDriverWait(d, WAIT).until(lambda d: set(host_states(d)) >= set(hosts))
    say(step="hosts", app=d.find_element(By.TAG_NAME, "h1").text, hosts=host_states(d))
    # A marker that a reload would wipe out.
    d.execute_script("window.__deployctl_marker = 42;")
    sys.stdin.readline()
    WebDriverWait(d, WAIT).until(
        lambda d: all(host_states(d).get(h) == "healthy" for h in hosts))
    reloaded = d.execute_script("return window.__deployctl_marker !== 42;")
    say(step="updated", reloaded=reloaded, hosts=host_states(d))

    # With the keyboard only: type the token, Enter; Tab to the pause button, Enter.
    d.get(f"{base}/login?next=/apps/{app}")
    d.find_element(By.ID, "token").send_keys(token + Keys.ENTER)
    WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.ID, "do-pause"))
    unlabelled = d.execute_script("""
        return Array.from(document.querySelectorAll("input:not([type=hidden])"))
            .filter(function (i) { return !document.querySelector("label[for='" + i.id + "']"); })
            .map(function (i) { return i.name; });""")
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
    say(step="paused", focused=focused, unlabelled=unlabelled)
    d.save_screenshot(shot)
    # A phone's width: nothing wider than the screen (tables scroll inside their box).
    d.set_window_size(390, 844)
    overflow = d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    d.save_screenshot(shot.replace(".png", "-phone.png"))
    d.set_window_size(1200, 900)
    problems = [page_problems(d, f"{base}/"), page_problems(d, f"{base}/apps/{app}"),
                page_problems(d, f"{base}/apps/{app}/hosts/{hosts[0]}")]
    favicon = d.execute_async_script(
        "var done = arguments[0];"
        "fetch('/favicon.ico').then(function (r) { done([r.status, r.headers.get('content-type')]); });")
    say(step="done", overflow=overflow, pages=problems, favicon=favicon)
finally:
    d.quit()
