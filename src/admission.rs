//! Admission review: an `admission.k8s.io/v1` AdmissionReview request in, the AdmissionReview response
//! out (same `uid`), through the same engine as `check`. Shared by `hostlint review` (offline) and
//! `hostlint serve` (the validating webhook).
//!
//! Findings are located by JSON pointer into the admitted object (there is no source text) and named by
//! the object's identity. DELETE and CONNECT, and objects with nothing to check, are allowed quietly; a
//! request whose object cannot be read is allowed with a warning (hostlint never blocks what it cannot
//! read: the webhook's `failurePolicy` is the cluster's call, not ours).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::parse::node::Node;
use crate::rules::Severity;
use crate::{Config, Finding, lint_node};

/// The API server keeps warnings short: each line stays under this many characters.
pub const MAX_WARNING_CHARS: usize = 120;
/// At most this many findings are listed (warnings or the deny message), then "and N more".
pub const MAX_LISTED: usize = 20;

/// What the webhook does with findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Always allow; findings come back as warnings.
    Warn,
    /// Deny on findings at or above the threshold; allow with warnings below it.
    Deny,
}

/// The review policy: mode and the deny threshold (`None`: never deny).
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub mode: Mode,
    pub fail_on: Option<Severity>,
}

/// How a review ended (the webhook counts requests by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed with no warning.
    Allowed,
    /// Allowed with findings as warnings.
    Warned,
    /// Denied with findings.
    Denied,
    /// Allowed with a warning because the object could not be read.
    Unreadable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Warned => "warned",
            Outcome::Denied => "denied",
            Outcome::Unreadable => "unreadable",
        }
    }
}

/// A review's result: the response document, its outcome and the findings behind it.
#[derive(Debug)]
pub struct Review {
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    /// The AdmissionReview response, ready to send.
    pub response: Json,
}

/// The body is not an AdmissionReview request at all (no `uid` to answer to): the webhook answers 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest(pub String);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reviews one AdmissionReview request body.
pub fn review(body: &[u8], config: &Config, policy: &Policy) -> Result<Review, BadRequest> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            return unreadable_whole(
                body,
                format!("the request is not UTF-8 (byte {})", e.valid_up_to()),
            );
        }
    };
    let root = match crate::parse::json::parse(text, &config.limits) {
        Ok(root) => root,
        Err(e) => {
            return unreadable_whole(
                body,
                format!(
                    "cannot parse the request at {}:{}: {}",
                    e.pos.line, e.pos.col, e.message
                ),
            );
        }
    };
    let (api_version, kind) = (root.str_at(&["apiVersion"]), root.str_at(&["kind"]));
    if kind != Some("AdmissionReview") {
        return Err(BadRequest(format!(
            "expected `kind: AdmissionReview`, got `{}`",
            kind.unwrap_or("")
        )));
    }
    if api_version != Some("admission.k8s.io/v1") {
        return Err(BadRequest(format!(
            "expected `apiVersion: admission.k8s.io/v1`, got `{}` (set `admissionReviewVersions: [v1]`)",
            api_version.unwrap_or("")
        )));
    }
    let Some(request) = root.get("request").filter(|r| r.as_map().is_some()) else {
        return Err(BadRequest("the AdmissionReview has no `request`".into()));
    };
    let Some(uid) = request.str_at(&["uid"]).filter(|u| !u.is_empty()) else {
        return Err(BadRequest(
            "the AdmissionReview request has no `uid`".into(),
        ));
    };
    let operation = request.str_at(&["operation"]).unwrap_or("");
    if matches!(operation, "DELETE" | "CONNECT") {
        return Ok(allowed(uid, Outcome::Allowed, Vec::new(), Vec::new()));
    }
    let object = request.get("object");
    match object {
        Some(o) if o.as_map().is_some() => {}
        // CREATE/UPDATE always carry the object; a null one holds nothing to check.
        None => return Ok(allowed(uid, Outcome::Allowed, Vec::new(), Vec::new())),
        Some(o) if o.as_str().is_none() && o.as_map().is_none() && o.as_seq().is_none() => {
            return Ok(allowed(uid, Outcome::Allowed, Vec::new(), Vec::new()));
        }
        Some(_) => {
            let w =
                "hostlint: cannot read the object: `request.object` is not a mapping; not checked"
                    .to_string();
            return Ok(allowed(uid, Outcome::Unreadable, Vec::new(), vec![w]));
        }
    }
    let object = object.expect("checked above");
    Ok(judge(uid, object, request, config, policy))
}

/// Runs the rules on the admitted object and turns the findings into a response.
fn judge(uid: &str, object: &Node, request: &Node, config: &Config, policy: &Policy) -> Review {
    let ns = request.str_at(&["namespace"]);
    let req_name = request.str_at(&["name"]);
    let name: Arc<str> = Arc::from("request.object");
    let mut report = lint_node(&name, object, config);
    // The object in a CREATE may carry neither its namespace nor (with generateName) its final name.
    for f in &mut report.findings {
        if let Some(id) = f.object.as_mut() {
            if id.namespace.is_none() {
                id.namespace = ns.map(str::to_string);
            }
            if id.name.is_empty() {
                id.name = req_name.unwrap_or("").to_string();
            }
        }
    }
    let findings = report.findings;
    // What an evaluation budget cut off was not checked: said first, so that no limit hides it.
    let cut: Vec<String> = report
        .errors
        .iter()
        .map(|e| {
            shorten(
                &format!("hostlint: not fully checked: {}", e.message),
                MAX_WARNING_CHARS,
            )
        })
        .collect();
    if findings.is_empty() {
        let outcome = if cut.is_empty() {
            Outcome::Allowed
        } else {
            Outcome::Unreadable
        };
        return allowed(uid, outcome, findings, cut);
    }
    let denies =
        |f: &Finding| policy.mode == Mode::Deny && policy.fail_on.is_some_and(|t| f.severity >= t);
    let (deny, warn): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| denies(f));
    let mut warnings = cut;
    warnings.extend(listed(warn.iter().map(|f| warning_line(f)), warn.len()));
    if deny.is_empty() {
        return allowed(uid, Outcome::Warned, findings, warnings);
    }
    let lines = listed(deny.iter().map(|f| deny_line(f)), deny.len());
    let threshold = policy.fail_on.map(Severity::as_str).unwrap_or("error");
    let message = format!(
        "hostlint denied this object: {} finding{} at or above {threshold}: {}",
        deny.len(),
        if deny.len() == 1 { "" } else { "s" },
        lines.join("; ")
    );
    let mut response = json!({
        "uid": uid,
        "allowed": false,
        "status": { "code": 403, "reason": "Forbidden", "message": message },
    });
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    Review {
        outcome: Outcome::Denied,
        findings,
        response: envelope(response),
    }
}

/// One warning for a finding, whole and at most [`MAX_WARNING_CHARS`] characters by construction
/// (the API server may cut longer ones): `rule: message (at /pointer)`. The object is the
/// request's own and the pointer names the container, so neither is repeated. Quoted values
/// longer than [`MAX_QUOTED`] keep their two ends. The first form that fits is used: with the
/// message, with the rule's summary instead, either without the pointer, or `rule at /pointer`.
/// Nothing is cut in the middle of a word, a value or the pointer.
pub fn warning_line(f: &Finding) -> String {
    let at = short_pointer(&f.path);
    let message = elide_quoted(&escape(&f.message), MAX_QUOTED);
    let summary = crate::rules::by_name(f.rule).map(|r| elide_quoted(r.summary, MAX_QUOTED));
    let candidates = [
        Some(format!("{}: {message} (at {at})", f.rule)),
        summary
            .as_ref()
            .map(|s| format!("{}: {s} (at {at})", f.rule)),
        Some(format!("{}: {message}", f.rule)),
        summary.as_ref().map(|s| format!("{}: {s}", f.rule)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|l| l.chars().count() <= MAX_WARNING_CHARS)
        .unwrap_or_else(|| format!("{} at {at}", f.rule))
}

/// The finding as the deny message lists it: whole (control characters escaped, nothing cut).
pub fn deny_line(f: &Finding) -> String {
    format!(
        "{}: {} (at {})",
        f.rule,
        escape(&f.message),
        escape(&f.path)
    )
}

/// Longest a backquoted value may be in a warning before its middle is elided.
pub const MAX_QUOTED: usize = 40;
/// Longest pointer shown whole in a warning (a rule name, 40 characters of message and this fit).
const MAX_POINTER: usize = 48;

fn escape(s: &str) -> String {
    crate::report::escape(s).into_owned()
}

/// `` `a very long value` `` becomes `` `a very…value` `` when over `max` characters.
fn elide_quoted(message: &str, max: usize) -> String {
    let mut out = String::with_capacity(message.len().min(256));
    let mut parts = message.split('`');
    out.push_str(parts.next().unwrap_or(""));
    for (i, part) in parts.enumerate() {
        out.push('`');
        let quoted = i % 2 == 0;
        let n = part.chars().count();
        if quoted && n > max {
            let keep = (max - 1) / 2;
            out.extend(part.chars().take(keep));
            out.push('…');
            out.extend(part.chars().skip(n - keep));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The pointer, or its first two and last two segments around `…` when it is long.
fn short_pointer(path: &str) -> String {
    let path = escape(path);
    if path.chars().count() <= MAX_POINTER {
        return path;
    }
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let seg = |s: &str| elide_plain(s, 12);
    if segs.len() > 4 {
        let short = format!(
            "/{}/{}/…/{}/{}",
            seg(segs[0]),
            seg(segs[1]),
            seg(segs[segs.len() - 2]),
            seg(segs[segs.len() - 1])
        );
        if short.chars().count() <= MAX_POINTER {
            return short;
        }
    }
    segs.iter()
        .map(|s| format!("/{}", seg(s)))
        .collect::<String>()
}

fn elide_plain(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let keep = (max - 1) / 2;
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out.extend(s.chars().skip(n - keep));
    out
}

/// Cuts a line to at most `max` characters on a character boundary, ending in `…` when cut, and
/// escapes control characters (the API server refuses warnings that hold them).
pub fn shorten(line: &str, max: usize) -> String {
    let clean = escape(line);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// At most [`MAX_LISTED`] lines, then "and N more".
fn listed(lines: impl Iterator<Item = String>, total: usize) -> Vec<String> {
    let mut out: Vec<String> = lines.take(MAX_LISTED).collect();
    if total > MAX_LISTED {
        out.push(format!("hostlint: and {} more", total - MAX_LISTED));
    }
    out
}

fn allowed(uid: &str, outcome: Outcome, findings: Vec<Finding>, warnings: Vec<String>) -> Review {
    let mut response = json!({ "uid": uid, "allowed": true });
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    Review {
        outcome,
        findings,
        response: envelope(response),
    }
}

fn envelope(response: Json) -> Json {
    json!({ "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response })
}

/// The answer when a request cannot be reviewed in time (the webhook is overloaded or the review
/// passed its deadline): `allowed: true` with a warning that says so, when a plain JSON reader finds
/// the request's `uid`; `None` when there is no uid to answer to.
pub fn not_checked(body: &[u8], why: &str) -> Option<Json> {
    let uid = request_uid(body)?;
    let w = shorten(&format!("hostlint: not checked: {why}"), MAX_WARNING_CHARS);
    Some(allowed(&uid, Outcome::Unreadable, Vec::new(), vec![w]).response)
}

/// The request's `uid` by a plain JSON reader (duplicate or missing keys: none, never a wrong one).
fn request_uid(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Envelope {
        request: Option<Request>,
    }
    #[derive(Deserialize)]
    struct Request {
        uid: Option<String>,
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.request?.uid)
        .filter(|u| !u.is_empty())
}

/// The span-exact parser refused the body (too deep, too big, not UTF-8, ...). If a plain JSON
/// reader still finds the request's `uid`, answer `allowed: true` with a warning; otherwise the
/// body is no AdmissionReview we can answer.
fn unreadable_whole(body: &[u8], why: String) -> Result<Review, BadRequest> {
    match request_uid(body) {
        Some(uid) => {
            let w = shorten(
                &format!("hostlint: cannot read the object, not checked: {why}"),
                MAX_WARNING_CHARS,
            );
            Ok(allowed(&uid, Outcome::Unreadable, Vec::new(), vec![w]))
        }
        None => Err(BadRequest(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: Mode) -> Policy {
        Policy {
            mode,
            fail_on: Some(Severity::Warning),
        }
    }

    fn req(operation: &str, object: &str) -> String {
        format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u-1","operation":"{operation}","namespace":"ns","name":"p","object":{object}}}}}"#
        )
    }

    const HOST_PID_POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":true,"containers":[{"name":"c","image":"busybox"}]}}"#;

    #[test]
    fn warn_mode_allows_with_a_warning_named_by_identity_and_path() {
        let r = review(
            req("CREATE", HOST_PID_POD).as_bytes(),
            &Config::default(),
            &policy(Mode::Warn),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Warned);
        assert_eq!(r.response["response"]["uid"], "u-1");
        assert_eq!(r.response["response"]["allowed"], true);
        let w = r.response["response"]["warnings"][0].as_str().unwrap();
        assert_eq!(
            w,
            "host-pid: `hostPID: true` shares the host's process namespace (at /spec/hostPID)"
        );
    }

    #[test]
    fn deny_mode_denies_at_threshold_and_warns_below() {
        // host-pid is an info finding (SPEC: Rules).
        let r = review(
            req("CREATE", HOST_PID_POD).as_bytes(),
            &Config::default(),
            &Policy {
                mode: Mode::Deny,
                fail_on: Some(Severity::Info),
            },
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Denied);
        assert_eq!(r.response["response"]["allowed"], false);
        assert_eq!(r.response["response"]["status"]["code"], 403);
        let p = Policy {
            mode: Mode::Deny,
            fail_on: Some(Severity::Warning),
        };
        let r = review(
            req("CREATE", HOST_PID_POD).as_bytes(),
            &Config::default(),
            &p,
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Warned);
        assert_eq!(r.response["response"]["allowed"], true);
    }

    #[test]
    fn delete_and_null_objects_are_allowed_quietly() {
        let r = review(
            req("DELETE", "null").as_bytes(),
            &Config::default(),
            &policy(Mode::Deny),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Allowed);
        assert!(r.response["response"].get("warnings").is_none());
        let r = review(
            req("CREATE", "null").as_bytes(),
            &Config::default(),
            &policy(Mode::Deny),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Allowed);
    }

    #[test]
    fn unreadable_object_is_allowed_with_a_warning() {
        let r = review(
            req("CREATE", "[1,2]").as_bytes(),
            &Config::default(),
            &policy(Mode::Deny),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Unreadable);
        assert_eq!(r.response["response"]["allowed"], true);
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        // Deeper than the span-exact parser goes: the uid is still read, the object allowed unchecked.
        let r = review(
            req("CREATE", &deep).as_bytes(),
            &Config::default(),
            &policy(Mode::Deny),
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Unreadable);
        let w = r.response["response"]["warnings"][0].as_str().unwrap();
        assert!(
            w.starts_with(
                "hostlint: cannot read the object, not checked: cannot parse the request at 1:"
            ),
            "{w}"
        );
        assert!(review(b"{\"request\":{}}", &Config::default(), &policy(Mode::Deny)).is_err());
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let r = review(
            req("CREATE", &deep).as_bytes(),
            &Config::default(),
            &policy(Mode::Deny),
        )
        .unwrap();
        assert_eq!(r.response["response"]["allowed"], true);
    }

    #[test]
    fn every_truncation_of_a_request_is_answered_without_panic() {
        let body = req("CREATE", HOST_PID_POD);
        for cut in 0..body.len() {
            let _ = review(
                &body.as_bytes()[..cut],
                &Config::default(),
                &policy(Mode::Deny),
            );
        }
    }

    #[test]
    fn long_lines_are_cut_on_char_boundaries() {
        let s = "é".repeat(300);
        let out = shorten(&s, MAX_WARNING_CHARS);
        assert_eq!(out.chars().count(), MAX_WARNING_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(shorten("a\nb", 10), "a\\nb");
    }

    #[test]
    fn many_findings_are_capped_with_and_n_more() {
        let lines = listed((0..25).map(|i| i.to_string()), 25);
        assert_eq!(lines.len(), MAX_LISTED + 1);
        assert_eq!(lines[MAX_LISTED], "hostlint: and 5 more");
    }
}
