//! End to end in a real browser: a provider and the committee take an application from an
//! empty draft to a signed approval by clicking and typing in headless Chromium, driven
//! through chromedriver (WebDriver) with `fantoccini`.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-lao`; without chromedriver the
//! test fails and says so. Screenshots of each step go to `target/browser-screenshots/`.

// The API tests' helpers start the app and create users; only some of them are used here.
#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "api/workflow_helpers.rs"]
mod workflow_helpers;

use std::cell::Cell;
use std::fmt::Debug;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use helpers::{PASSWORD, TestApp, TestUser};
use interconnect_registry::domain::clock::Clock;
use workflow_helpers::{PDF, complete_fields};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
const INSTALL: &str =
    "install Debian's packages: apt-get install chromium chromium-driver fonts-lao";
/// How long any one page or element may take to appear.
const WAIT: Duration = Duration::from_secs(20);
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1000;
/// A phone's screen in CSS pixels (an iPhone 12 to 15).
const PHONE_WIDTH: u32 = 390;
const PHONE_HEIGHT: u32 = 844;

/// `target/browser-screenshots`, made empty of old PNGs.
fn screenshot_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .to_path_buf();
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// chromedriver on a free port, in a process group of its own so that dropping it also
/// ends any Chromium it started (even when the test panics half-way).
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: {INSTALL}"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    panic!("chromedriver was not found on PATH: {INSTALL}")
                }
                panic!("could not start chromedriver ({e}): {INSTALL}")
            });
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let status = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready = status
                .get(format!("{}/status", driver.url))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .ok()
                .and_then(|r| r.status().is_success().then_some(()));
            if ready.is_some() {
                break;
            }
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!("chromedriver exited at start ({exit}): {INSTALL}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within 15 s",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every browser process it launched.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One person's browser: a WebDriver session with a fresh profile.
struct Browser {
    client: Client,
    who: &'static str,
    base: String,
    shots: PathBuf,
    /// The viewport's size now: (width, height).
    viewport: Cell<(u32, u32)>,
    _profile: TempDir,
}

impl Browser {
    async fn open(
        driver: &Chromedriver,
        app: &TestApp,
        who: &'static str,
        shots: &Path,
    ) -> Browser {
        let profile = TempDir::new("ir-browser-profile");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                    format!("--user-data-dir={}", profile.0.display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("no browser session for the {who} ({e}): {INSTALL}"));
        Browser {
            client,
            who,
            base: app.address.clone(),
            shots: shots.to_path_buf(),
            viewport: Cell::new((WIDTH, HEIGHT)),
            _profile: profile,
        }
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Panics with what the page shows: its URL, its error messages, and a screenshot.
    async fn fail(&self, what: &str, error: impl Debug) -> ! {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let problems = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('.field-error, .flash-error, h1'))\
                 .map(e => e.textContent.trim()).join(' | ')",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let shot = self.shots.join(format!("failure-{}.png", self.who));
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(&shot, png);
        }
        panic!(
            "{}: {what} failed: {error:?}\n  at {url}\n  page says: {problems}\n  screenshot: {}",
            self.who,
            shot.display()
        );
    }

    async fn check<T, E: Debug>(&self, what: &str, result: Result<T, E>) -> T {
        match result {
            Ok(value) => value,
            Err(e) => self.fail(what, e).await,
        }
    }

    async fn goto(&self, path: &str) {
        let result = self.client.goto(&format!("{}{path}", self.base)).await;
        self.check(&format!("opening {path}"), result).await;
    }

    /// The element `css` selects, waiting for it to appear.
    async fn find(&self, css: &str) -> Element {
        let result = self
            .client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await;
        self.check(&format!("finding {css}"), result).await
    }

    async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let result = element.text().await;
        self.check(&format!("reading {css}"), result).await
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        let result = element.click().await;
        self.check(&format!("clicking {css}"), result).await;
    }

    /// Types `text` into an input or textarea, replacing what was there.
    async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        let cleared = element.clear().await;
        self.check(&format!("clearing {css}"), cleared).await;
        let typed = element.send_keys(text).await;
        self.check(&format!("typing into {css}"), typed).await;
    }

    async fn choose(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        let result = element.select_by_value(value).await;
        self.check(&format!("choosing {value} in {css}"), result)
            .await;
    }

    /// Sets an input's value the way a date picker would (typed dates depend on the locale).
    async fn set_value(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        let result = self
            .client
            .execute(
                "arguments[0].value = arguments[1];\
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true}));\
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(element), json!(value)],
            )
            .await;
        self.check(&format!("setting {css}"), result).await;
    }

    /// Clicks a button that submits a form, and waits until the next page has loaded.
    async fn submit(&self, button: &str) {
        let marked = self
            .client
            .execute(
                "document.documentElement.setAttribute('data-old-page', '')",
                vec![],
            )
            .await;
        self.check("marking the page", marked).await;
        self.click(button).await;
        self.find("html:not([data-old-page])").await;
    }

    /// Submits and expects the app's green "done" message on the next page.
    async fn act(&self, button: &str) {
        self.submit(button).await;
        if !self.has(".flash-success").await {
            self.fail(&format!("pressing {button}"), "no success message")
                .await;
        }
    }

    async fn path(&self) -> String {
        let result = self.client.current_url().await;
        self.check("reading the URL", result)
            .await
            .path()
            .to_string()
    }

    async fn status(&self) -> String {
        self.text(".badge-status").await
    }

    /// Chooses English with the switch in the header (unless it already is).
    async fn use_language(&self, code: &str) {
        let button = format!("form.lang-switch button[value=\"{code}\"]");
        if !self.has(&format!("{button}[disabled]")).await {
            self.submit(&button).await;
        }
        self.find(&format!("html[lang=\"{code}\"]")).await;
    }

    /// Signs in; staff then type a code from the authenticator (set up at their first
    /// sign-in by reading the key off the page) and pass the recovery codes.
    async fn sign_in(&self, app: &TestApp, user: &TestUser) {
        self.goto("/sign-in").await;
        self.use_language("en").await;
        self.fill("#f-email", &user.email).await;
        self.fill("#f-password", PASSWORD).await;
        self.submit("form[action=\"/sign-in\"] button[type=submit]")
            .await;
        if self.path().await == "/sign-in/two-factor" {
            if self.has(".totp-secret").await {
                self.find("figure.qr svg").await;
                if self.who == "secretariat" {
                    self.screenshot("03-secretariat-two-factor-setup").await;
                }
                app.authenticator
                    .add(&user.email, &self.text(".totp-secret").await);
            }
            let now = app.clock.now().and_utc().timestamp() as u64;
            let code = app
                .authenticator
                .code(&user.email, now)
                .expect("an unused code");
            self.fill("#f-code", &code).await;
            self.submit("form[action=\"/sign-in/two-factor\"] button[type=submit]")
                .await;
            if self.has(".recovery-codes").await {
                self.submit("a.button").await;
            }
        }
        self.find("form[action=\"/sign-out\"]").await;
    }

    /// Prints the page as the browser's print dialog would on A4 (backgrounds on, nothing
    /// shrunk to fit), saves the PDF as `name`.pdf and returns how many pages it has.
    async fn print_pages(&self, name: &str) -> usize {
        let config = fantoccini::wd::PrintConfiguration::builder()
            .size(fantoccini::wd::PrintSize::A4)
            .background(true)
            .shrink_to_fit(false)
            .build();
        let config = self.check("configuring the print", config).await;
        let pdf = self.client.print(config).await;
        let pdf = self.check("printing", pdf).await;
        let path = self.shots.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).expect("write the PDF");
        println!("printed {}", path.display());
        pdf_pages(&pdf)
    }

    /// Makes the viewport `width` CSS pixels wide (the window's frame, if any, added) and
    /// about `height` high.
    async fn resize(&self, width: u32, height: u32) {
        self.viewport.set((width, height));
        let (mut window_width, mut window_height) = (width, height);
        let mut measured = (0, 0);
        for _ in 0..3 {
            let resized = self
                .client
                .set_window_size(window_width, window_height)
                .await;
            self.check("resizing the window", resized).await;
            let inner = self
                .client
                .execute("return [window.innerWidth, window.innerHeight];", vec![])
                .await;
            let inner = self.check("measuring the viewport", inner).await;
            measured = (
                inner[0].as_u64().unwrap_or(0) as u32,
                inner[1].as_u64().unwrap_or(0) as u32,
            );
            if measured.0 == width {
                return;
            }
            window_width = (window_width + width).saturating_sub(measured.0);
            window_height = (window_height + height).saturating_sub(measured.1);
        }
        self.fail(
            "resizing the window",
            format!("asked for {width} × {height}, the viewport is {measured:?}"),
        )
        .await
    }

    /// A PNG of the whole page: the window is made tall enough for the page, then put back.
    async fn screenshot(&self, name: &str) {
        let (width, height) = self.viewport.get();
        const MEASURE: &str = "window.scrollTo(0, 0); \
            return [document.documentElement.scrollHeight, window.innerHeight, window.outerHeight];";
        for _ in 0..4 {
            let measured = self.client.execute(MEASURE, vec![]).await;
            let measured = self.check("measuring the page", measured).await;
            let [page, inner, outer] = [0, 1, 2].map(|i| measured[i].as_u64().unwrap_or(0) as u32);
            if inner >= page.min(12_000) {
                break;
            }
            // The window's frame (if any) is outside the viewport: add it.
            let window = page.min(12_000) + outer.saturating_sub(inner);
            let resized = self.client.set_window_size(width, window).await;
            self.check("resizing the window", resized).await;
        }
        let png = self.client.screenshot().await;
        let png = self.check("taking a screenshot", png).await;
        self.resize(width, height).await;
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        println!("screenshot {}", path.display());
    }
}

impl Browser {
    /// How much wider than the viewport the page is (0 when nothing scrolls sideways).
    async fn overflow(&self) -> u64 {
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await;
        let widths = self.check("measuring the page's width", widths).await;
        let [page, viewport] = [0, 1].map(|i| widths[i].as_u64().unwrap_or(0));
        page.saturating_sub(viewport)
    }

    /// The height in CSS pixels of what `css` selects.
    async fn height(&self, css: &str) -> f64 {
        let height = self
            .client
            .execute(
                "return document.querySelector(arguments[0]).getBoundingClientRect().height;",
                vec![json!(css)],
            )
            .await;
        let height = self.check(&format!("measuring {css}"), height).await;
        height.as_f64().unwrap_or(0.0)
    }

    /// How many lines the header's navigation links take.
    async fn nav_lines(&self) -> usize {
        let tops = self
            .client
            .execute(
                "return new Set(Array.from(document.querySelectorAll('.main-nav a'))\
                 .map(a => Math.round(a.getBoundingClientRect().top))).size;",
                vec![],
            )
            .await;
        let tops = self.check("measuring the navigation", tops).await;
        tops.as_u64().unwrap_or(0) as usize
    }

    /// Shows each of `pages` (name, path) on a phone in English and in Lao, saves a
    /// screenshot of each as `phone-<lang>-<name>.png`, and returns every page that
    /// scrolls sideways or whose header is high, with by how much.
    async fn on_a_phone(&self, pages: &[(&str, &str)]) -> Vec<String> {
        let mut wide = Vec::new();
        self.resize(PHONE_WIDTH, PHONE_HEIGHT).await;
        for lang in ["en", "lo"] {
            self.goto(pages[0].1).await;
            self.use_language(lang).await;
            for (name, path) in pages {
                self.goto(path).await;
                self.find(&format!("html[lang=\"{lang}\"] main")).await;
                let header = self.height(".site-header").await;
                if header > 130.0 {
                    wide.push(format!("{lang} {path}: the header is {header} px high"));
                }
                let overflow = self.overflow().await;
                if overflow > 0 {
                    wide.push(format!("{lang} {path}: {overflow} px too wide"));
                }
                self.screenshot(&format!("phone-{lang}-{name}")).await;
            }
        }
        self.use_language("en").await;
        self.resize(WIDTH, HEIGHT).await;
        wide
    }
}

/// The pages of a PDF: its page objects (`/Type /Page`, not the `/Pages` tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let marker = b"/Type /Page";
    pdf.windows(marker.len() + 1)
        .filter(|w| w.starts_with(marker) && w[marker.len()] != b's')
        .count()
}

#[tokio::test]
async fn a_provider_and_the_committee_take_an_application_to_approval_in_a_browser() {
    let started = Instant::now();
    let step = |n: &str| println!("{:5.1} s: step {n}", started.elapsed().as_secs_f64());
    let shots = screenshot_dir();
    let driver = Chromedriver::start().await;

    // 1. The people, made directly (not through the browser).
    let app = TestApp::spawn().await;
    let provider = app.create_user("org_admin", None);
    let secretariat = app.create_user("secretariat", None);
    let technical = app.create_member("reviewer", &["technical"]);
    let security = app.create_member("reviewer", &["security"]);
    let legal = app.create_member("reviewer", &["legal"]);
    let chair = app.create_member("chair", &["legal"]);
    let files = TempDir::new("ir-browser-files");
    let pdf = files.0.join("diagram.pdf");
    std::fs::write(&pdf, PDF).expect("write the PDF");
    let fields = complete_fields();

    // 2. The provider drafts, attaches both files, fills in the form and submits.
    step("2");
    let provider_browser = Browser::open(&driver, &app, "provider", &shots).await;
    let p = &provider_browser;
    p.sign_in(&app, &provider).await;
    p.click("nav a[href=\"/applications\"]").await;
    p.find("form[action=\"/applications\"]").await;
    p.choose("#f-kind", "new").await;
    p.submit("form[action=\"/applications\"] button[type=submit]")
        .await;
    let edit = p.path().await;
    let id = edit
        .strip_prefix("/applications/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .unwrap_or_else(|| panic!("a new application opens its form, not {edit}"))
        .to_string();
    // Submitting the empty draft names every problem at once; a text input with a problem
    // has the same red border as a select or a text area.
    p.submit("button[name=intent][value=submit]").await;
    assert!(p.has("#e-counterparty_name").await && p.has("#e-declaration_accepted").await);
    let borders = p
        .client
        .execute(
            "const colour = css => getComputedStyle(document.querySelector(css)).borderTopColor;\
             return [colour('.has-error input[type=text]'), colour('.has-error select'),\
             colour('.has-error textarea'), colour('.field:not(.has-error) input[type=text]')];",
            vec![],
        )
        .await;
    let borders = p.check("reading the borders", borders).await;
    assert_eq!(borders[0], borders[1], "text input and select: {borders}");
    assert_eq!(
        borders[0], borders[2],
        "text input and text area: {borders}"
    );
    assert_ne!(
        borders[0], borders[3],
        "a field without a problem: {borders}"
    );
    p.screenshot("01-provider-form-problems").await;
    // The voice fields show, without script, only while a voice interconnect is chosen.
    let voice_shown = || async {
        let shown = p.find("#f-caller_id_integrity").await.is_displayed().await;
        p.check("seeing the voice field", shown).await
    };
    assert!(!voice_shown().await, "no type chosen yet");
    p.choose("#f-connection_type", "voice_interconnect").await;
    assert!(voice_shown().await, "a voice interconnect chosen");
    p.choose("#f-connection_type", "ip_transit").await;
    assert!(!voice_shown().await, "IP transit chosen");
    for (name, value) in &fields {
        let css = format!("#f-{name}");
        match *name {
            "declaration_accepted" => {
                let tick = p.find("input[name=declaration_accepted]").await;
                if !tick.is_selected().await.expect("read the checkbox") {
                    tick.click().await.expect("tick the declaration");
                }
            }
            "requested_start_date" => p.set_value(&css, value).await,
            _ => match p.find(&css).await.tag_name().await.expect("tag").as_str() {
                "select" => p.choose(&css, value).await,
                _ => p.fill(&css, value).await,
            },
        }
    }
    // Uploading the files, typed text not yet saved, keeps it: the upload saves it first.
    for (n, kind) in ["network_diagram", "counterparty_contract"]
        .into_iter()
        .enumerate()
    {
        p.choose("#f-attachment-kind", kind).await;
        p.find("#f-file")
            .await
            .send_keys(&pdf.display().to_string())
            .await
            .expect("choose the file");
        p.act("button[name=intent][value=upload]").await;
        p.find(&format!(
            "section.attachments table tbody tr:nth-child({})",
            n + 1
        ))
        .await;
        for (name, value) in &fields {
            if *name != "declaration_accepted" {
                let kept = p.find(&format!("#f-{name}")).await.prop("value").await;
                let kept = p.check("reading a field", kept).await;
                assert_eq!(
                    kept.as_deref(),
                    Some(value.as_str()),
                    "{name} after an upload"
                );
            }
        }
    }
    // Enter in a field presses the form's first button, a hidden Save, never a Remove.
    let marked = p
        .client
        .execute(
            "document.documentElement.setAttribute('data-old-page', '')",
            vec![],
        )
        .await;
    p.check("marking the page", marked).await;
    let enter = p
        .find("#f-endpoint_facility")
        .await
        .send_keys("\u{E007}")
        .await;
    p.check("pressing Enter in a field", enter).await;
    p.find("html:not([data-old-page])").await;
    assert!(p.has(".flash-success").await, "Enter saves the draft");
    p.find("section.attachments table tbody tr:nth-child(2)")
        .await;
    p.screenshot("01-provider-form").await;
    p.submit("button[name=intent][value=submit]").await;
    assert_eq!(
        p.path().await,
        format!("/applications/{id}"),
        "submitting shows the application"
    );
    assert_eq!(p.status().await, "Submitted");
    let reference = p.text("h1").await;
    assert!(reference.starts_with("APP-"), "{reference}");
    p.screenshot("02-provider-submitted").await;

    // 3. The secretariat checks completeness and assigns the three reviewers.
    step("3");
    let case = format!("/committee/applications/{id}");
    let link = format!("a[href=\"{case}\"]");
    let secretariat_browser = Browser::open(&driver, &app, "secretariat", &shots).await;
    let s = &secretariat_browser;
    s.sign_in(&app, &secretariat).await;
    s.click("nav a[href=\"/committee\"]").await;
    s.click(&link).await;
    s.find(&format!("form[action=\"{case}/screen\"]")).await;
    s.act(&format!(
        "form[action=\"{case}/screen\"] button[type=submit]"
    ))
    .await;
    assert_eq!(s.status().await, "Completeness check");
    s.act(&format!(
        "form[action=\"{case}/complete\"] button[type=submit]"
    ))
    .await;
    assert_eq!(s.status().await, "In review");
    for (n, (reviewer, domain)) in [
        (&technical, "technical"),
        (&security, "security"),
        (&legal, "legal"),
    ]
    .into_iter()
    .enumerate()
    {
        s.choose("#f-reviewer_id", &reviewer.id).await;
        s.choose("#f-domain", domain).await;
        s.act(&format!(
            "form[action=\"{case}/assign\"] button[type=submit]"
        ))
        .await;
        assert_eq!(
            s.client
                .find_all(Locator::Css("article.review"))
                .await
                .expect("reviews")
                .len(),
            n + 1,
            "each assignment adds a review to the case"
        );
    }
    s.screenshot("03-secretariat-case").await;

    // 4. Each reviewer recommends approval.
    step("4");
    let mut members = Vec::new();
    for (reviewer, who) in [
        (&technical, "technical reviewer"),
        (&security, "security reviewer"),
        (&legal, "legal reviewer"),
    ] {
        let r = Browser::open(&driver, &app, who, &shots).await;
        r.sign_in(&app, reviewer).await;
        r.click("nav a[href=\"/committee\"]").await;
        r.click(&link).await;
        r.choose("#f-recommendation", "approve").await;
        r.fill(
            "#f-comments",
            &format!("INTERNAL-NOTE from the {who}: meets the rules."),
        )
        .await;
        if members.is_empty() {
            r.screenshot("04-reviewer-review").await;
        }
        r.act(&format!(
            "form[action=\"{case}/review\"] button[type=submit]"
        ))
        .await;
        assert!(
            !r.has(&format!("form[action=\"{case}/review\"]")).await,
            "the review is done"
        );
        members.push(r);
    }

    // 5. The secretariat opens the vote.
    step("5");
    s.goto(&case).await;
    s.act(&format!(
        "form[action=\"{case}/open-vote\"] button[type=submit]"
    ))
    .await;
    assert_eq!(s.status().await, "Committee vote");

    // 6. All four members vote to approve; the chair votes last.
    step("6");
    let chair_browser = Browser::open(&driver, &app, "chair", &shots).await;
    chair_browser.sign_in(&app, &chair).await;
    members.push(chair_browser);
    for (n, member) in members.iter().enumerate() {
        member.click("nav a[href=\"/committee\"]").await;
        member.click(&link).await;
        member.click("input[name=choice][value=approve]").await;
        member
            .fill(
                "#f-vote-reason",
                "Meets Notice No. 258 and the security review.",
            )
            .await;
        if n == 3 {
            member.screenshot("05-vote").await;
        }
        member
            .act(&format!("form[action=\"{case}/vote\"] button[type=submit]"))
            .await;
        assert!(
            !member.has(&format!("form[action=\"{case}/vote\"]")).await,
            "one vote each"
        );
    }

    // 7. The chair signs the decision.
    step("7");
    let c = members.last().expect("the chair");
    let conditions = "Keep lawful-interception records in Laos";
    let legal_basis = "Notice No. 258, article 5";
    c.fill("#f-decide-approve-conditions", conditions).await;
    c.fill("#f-decide-approve-legal_basis", legal_basis).await;
    c.fill("#f-decide-approve-validity_months", "60").await;
    c.act(&format!(
        "form[action=\"{case}/decide\"] button[type=submit]"
    ))
    .await;
    assert_eq!(c.status().await, "Approved");
    c.screenshot("06-chair-decision").await;

    // 8. The provider sees the approval, in English and then in Lao.
    step("8");
    p.goto("/applications").await;
    p.click(&format!("a[href=\"/applications/{id}\"]")).await;
    p.find("section.decision-approved").await;
    assert_eq!(p.status().await, "Approved");
    let decision = p.text("section.decision").await;
    assert!(decision.contains("Approved"), "{decision}");
    assert!(decision.contains(conditions), "{decision}");
    assert!(decision.contains(legal_basis), "{decision}");
    let page = p.text("main").await;
    assert!(
        !page.contains("INTERNAL-NOTE"),
        "review comments stay with the committee"
    );
    assert!(
        !page.contains("Meets Notice No. 258"),
        "votes stay with the committee"
    );
    p.screenshot("07-provider-approved").await;
    p.use_language("lo").await;
    p.find("section.decision-approved").await;
    let lao = p.text("section.decision h2").await;
    assert!(
        lao.chars().any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c)),
        "Lao script: {lao}"
    );
    assert!(p.text("section.decision").await.contains(conditions));
    p.screenshot("08-provider-approved-lao").await;

    // The database agrees.
    let stored = interconnect_registry::db::models::application::find(&mut app.conn(), &id)
        .expect("read the application")
        .expect("the application exists");
    assert_eq!(stored.status.as_str(), "approved");
    assert_eq!(stored.decision_conditions, conditions);
    assert_eq!(stored.decision_legal_basis, legal_basis);
    assert_eq!(stored.decision_validity_months, Some(60));
    let content = &stored.content;
    assert!(content.declaration_accepted);
    for (name, value) in &fields {
        if *name != "declaration_accepted" {
            assert_eq!(content.get(name), value, "{name} as typed in the browser");
        }
    }

    // 9. Anyone prints the certificate: one A4 page on the ministry's letterhead; once the
    // chair suspends the approval, a band and a mark across the page say so.
    step("9");
    let connection = {
        use diesel::prelude::*;
        use interconnect_registry::db::schema::connections;
        connections::table
            .filter(connections::application_id.eq(&id))
            .select((connections::id, connections::approval_number))
            .first::<(String, String)>(&mut *app.conn())
            .expect("the approval's connection")
    };
    let (connection_id, number) = connection;
    let certificate = format!("/registry/{number}/certificate");
    p.goto(&certificate).await;
    p.find("article.certificate .letterhead").await;
    p.screenshot("09-certificate-lao").await;
    p.use_language("en").await;
    p.screenshot("09-certificate").await;
    assert_eq!(p.print_pages("10-certificate-a4").await, 1, "one A4 page");
    let committee = format!("/committee/connections/{connection_id}");
    c.goto(&committee).await;
    c.fill("#f-reason", "Interference with a neighbouring link")
        .await;
    let suspend = format!("form[action=\"{committee}/suspend\"] button[type=submit]");
    c.submit(&suspend).await;
    c.find("section.confirm").await;
    c.screenshot("11-confirm-suspension").await;
    c.act(&suspend).await;
    p.goto(&certificate).await;
    let band = p.text(".certificate-void-band").await;
    assert!(band.contains("SUSPENDED since"), "{band}");
    p.screenshot("11-certificate-suspended").await;
    assert_eq!(
        p.print_pages("12-certificate-suspended-a4").await,
        1,
        "one A4 page"
    );

    // 10. On a phone (390 × 844 CSS pixels) no page scrolls sideways and the header stays
    // short, in English and in Lao; at 1280 px the navigation is one line.
    step("10");
    let admin = app.create_user("admin", None);
    let admin_browser = Browser::open(&driver, &app, "admin", &shots).await;
    let a = &admin_browser;
    a.sign_in(&app, &admin).await;
    let mut problems = Vec::new();
    for browser in [p, a] {
        browser.goto("/dashboard").await;
        let lines = browser.nav_lines().await;
        if lines != 1 {
            problems.push(format!(
                "the {}'s navigation at {WIDTH} px: {lines} lines",
                browser.who
            ));
        }
    }
    let (application, connection) = (
        format!("/applications/{id}"),
        format!("/connections/{connection_id}"),
    );
    let record = format!("/registry/{number}");
    problems.extend(
        p.on_a_phone(&[
            ("home", "/"),
            ("registry", "/registry"),
            ("record", &record),
            ("certificate", &certificate),
            ("statistics", "/statistics"),
            ("dashboard", "/dashboard"),
            ("applications", "/applications"),
            ("application", &application),
            ("connections", "/connections"),
            ("connection", &connection),
            ("organisation", "/organisation"),
            ("api-clients", "/organisation/api-clients"),
            ("account", "/account"),
        ])
        .await,
    );
    problems.extend(
        c.on_a_phone(&[
            ("committee", "/committee"),
            ("committee-application", &case),
            ("committee-connections", "/committee/connections"),
            ("committee-registry", "/committee/registry"),
            ("committee-connection", &committee),
        ])
        .await,
    );
    problems.extend(
        s.on_a_phone(&[("identity-changes", "/committee/organisation-changes")])
            .await,
    );
    problems.extend(
        a.on_a_phone(&[
            ("admin-users", "/admin/users"),
            ("admin-organisations", "/admin/organisations"),
            ("admin-audit", "/admin/audit"),
            ("admin-outbox", "/admin/outbox"),
        ])
        .await,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // 11. Routing data shows the provider's network (AS151234) next to a foreign one no
    // approval covers: the secretariat asks the provider to explain, the provider answers
    // with a file, and the chair resolves it.
    step("11");
    interconnect_registry::seed::routing::import_demo_routing(
        &mut app.conn(),
        &app.settings.monitoring,
        app.clock.now(),
    )
    .expect("import routing files");
    s.goto("/committee/findings?kind=unapproved").await;
    s.screenshot("13-findings-queue").await;
    let finding = s
        .check(
            "the Pacific Transit finding",
            s.find("tr.finding-unapproved a").await.attr("href").await,
        )
        .await
        .expect("the finding links to its page");
    s.goto(&finding).await;
    assert!(
        s.has("mark").await,
        "the pair is marked in the example path"
    );
    s.fill("#f-request_text", "Who operates this link, and since when?")
        .await;
    s.act("form[action$=\"/request-explanation\"] button[type=submit]")
        .await;
    s.screenshot("14-finding-explanation-requested").await;
    let mine = finding.trim_start_matches("/committee");
    p.goto("/findings").await;
    p.click(&format!("a[href=\"{mine}\"]")).await;
    p.fill(
        "#f-answer_text",
        "A test link of our partner in Hong Kong, removed on 1 December.",
    )
    .await;
    p.find("#f-file")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .expect("choose the file");
    p.act("form[action$=\"/answer\"] button[type=submit]").await;
    p.screenshot("15-finding-answered").await;
    c.goto(&finding).await;
    assert!(
        c.text("ol.timeline")
            .await
            .contains("removed on 1 December")
    );
    c.fill("#f-resolve_text", "Removed; confirmed with the provider.")
        .await;
    c.click("form[action$=\"/resolve\"] input[name=confirm]")
        .await;
    c.act("form[action$=\"/resolve\"] button[type=submit]")
        .await;
    assert!(c.text("main").await.contains("Resolved"));
    c.screenshot("16-finding-resolved").await;
    c.goto("/committee/monitoring").await;
    assert!(c.has("svg.link-map-svg path.link-unapproved").await);
    c.screenshot("17-monitoring").await;
    c.use_language("lo").await;
    c.screenshot("17-monitoring-lo").await;
    let phone = c
        .on_a_phone(&[
            ("findings", "/committee/findings"),
            ("finding", &finding),
            ("monitoring", "/committee/monitoring"),
        ])
        .await;
    assert!(phone.is_empty(), "{}", phone.join("\n"));

    // 12. Due process reaches a link nobody applied for: the chair escalates another
    // unapproved link and serves a show-cause notice on the organisation, the provider
    // answers, the chair orders the link disconnected, the provider sends its evidence,
    // and the secretariat verifies it, saying why while routing still shows the link.
    step("12");
    c.use_language("en").await;
    c.goto("/committee/findings?kind=unapproved&state=open")
        .await;
    let other = c
        .check(
            "a second unapproved link",
            c.find("tr.finding-unapproved a").await.attr("href").await,
        )
        .await
        .expect("the finding links to its page");
    c.goto(&other).await;
    c.fill(
        "#f-escalate_text",
        "No approval was ever sought for this link.",
    )
    .await;
    c.click("form[action$=\"/escalate\"] input[name=confirm]")
        .await;
    c.act("form[action$=\"/escalate\"] button[type=submit]")
        .await;
    c.fill(
        "#f-case_notice",
        "Routing data shows this link; no approval covers it.",
    )
    .await;
    c.act("form[action$=\"/open-case\"] button[type=submit]")
        .await;
    let case = c
        .check(
            "the case opened on the finding",
            c.find("a[href^=\"/committee/cases/\"]")
                .await
                .attr("href")
                .await,
        )
        .await
        .expect("the finding links to its case");
    let provider_case = case.trim_start_matches("/committee");
    p.goto("/findings").await;
    p.click(&format!("a[href=\"{provider_case}\"]")).await;
    p.screenshot("18-case-notice").await;
    p.fill(
        "#f-answer_text",
        "A trial link with a partner; we will remove it.",
    )
    .await;
    p.act("form[action$=\"/answer\"] button[type=submit]").await;
    c.goto(&case).await;
    c.click("input[name=outcome][value=disconnect]").await;
    c.fill("#f-decision_text", "No approval covers the link.")
        .await;
    c.act("form[action$=\"/decide\"] button[type=submit]").await;
    c.screenshot("19-case-ordered").await;
    p.goto(provider_case).await;
    p.fill(
        "#f-confirmation_text",
        "The cross-connect was removed on 5 December.",
    )
    .await;
    p.find("#f-file")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .expect("choose the file");
    p.act("form[action$=\"/confirm\"] button[type=submit]")
        .await;
    s.goto(&case).await;
    s.submit("form[action$=\"/verify\"] button[type=submit]")
        .await;
    assert!(
        s.has("#e-still_seen_reason").await,
        "routing still shows the link: a reason is asked for"
    );
    s.fill(
        "#f-still_seen_reason",
        "The import predates the removal; the partner's letter confirms it.",
    )
    .await;
    s.act("form[action$=\"/verify\"] button[type=submit]").await;
    assert!(s.text("main").await.contains("Disconnection verified"));
    s.screenshot("20-case-verified").await;
    s.use_language("lo").await;
    s.screenshot("20-case-verified-lo").await;
    let phone = s
        .on_a_phone(&[("cases", "/committee/cases"), ("case", &case)])
        .await;
    assert!(phone.is_empty(), "{}", phone.join("\n"));

    admin_browser.close().await;
    for browser in members {
        browser.close().await;
    }
    secretariat_browser.close().await;
    provider_browser.close().await;
    drop(driver);
    println!(
        "browser test took {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        if app.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
}
