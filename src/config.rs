//! `.hostlint.yaml` (SPEC: Suppression and configuration): read with the span-aware YAML layer, validated
//! into strict types. Every unknown key or bad value is an [`InputError`] at the config's file:line:col.
//!
//! ```yaml
//! rules: {host-pid: off, host-network: error}
//! exclude: ["charts/**/tests/**"]
//! exemptions:
//!   - {rule: host-pid, namespace: monitoring, kind: DaemonSet, name: node-exporter, reason: "reads /proc of the node"}
//! all_pools: true
//! vm_sizes:
//!   - {pattern: "Standard_NC#ads_A10_v4", verdict: supported}
//!   - {pattern: "Standard_X#s_v9", verdict: gen1-vm-size}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::finding::Severity;
use crate::parse::node::Node;
use crate::source::FileName;
use crate::{Finding, InputError};

/// The file's name, looked for from the current directory upward.
pub const FILE_NAME: &str = ".hostlint.yaml";

/// A validated `.hostlint.yaml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileConfig {
    /// Severity overrides; `None` is `off`.
    pub rules: BTreeMap<String, Option<Severity>>,
    pub exclude: Vec<String>,
    pub exemptions: Vec<Exemption>,
    pub all_pools: Option<bool>,
    pub vm_sizes: Vec<VmSizeOverride>,
    /// Site-specific SELinux workload types (custom policy modules) besides ACL's own.
    pub selinux_types: Vec<String>,
    /// More out-of-tree driver images for `kernel-module-build` (same pattern forms as the built-in list).
    pub driver_images: Vec<String>,
    /// `host:`: the host profile to lint for, and facts that override it.
    pub host: Option<HostConfig>,
}

/// `.hostlint.yaml` `host:` — a profile name (`host: osguard`), or a mapping with `name` and fact
/// overrides in the profile files' shapes:
///
/// ```yaml
/// host:
///   name: acl
///   code_integrity: enforce
///   blocked_modules: [sctp, dccp]
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostConfig {
    pub name: Option<String>,
    /// (fact, value, where it is written as `file:line`).
    pub facts: Vec<(String, Node, String)>,
}

impl HostConfig {
    /// The profile this config selects (`name`, else `default`), with its overrides applied.
    pub fn profile(
        config: Option<&HostConfig>,
        default: &str,
    ) -> Result<crate::host::Profile, String> {
        let name = config.and_then(|c| c.name.as_deref()).unwrap_or(default);
        let mut p = crate::host::profile::named(name)
            .map(|p| (*p).clone())
            .ok_or_else(|| unknown_host(name))?;
        for (key, value, at) in config.map(|c| c.facts.as_slice()).unwrap_or_default() {
            p.set(key, value, &format!(".hostlint.yaml override at {at}"))?;
        }
        Ok(p)
    }
}

/// "no host profile named `x`", with the names there are.
pub fn unknown_host(name: &str) -> String {
    format!(
        "no host profile named `{name}` (expected one of {}; see `hostlint hosts`)",
        crate::host::profile::names().join(", ")
    )
}

/// An `exemptions` entry: findings of `rule` on matching objects are suppressed (kind `config`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exemption {
    pub rule: String,
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub container: Option<String>,
    pub reason: String,
}

impl Exemption {
    /// Whether this exemption covers a finding (every given field must match; names exactly).
    pub fn matches(&self, f: &Finding) -> bool {
        if self.rule != f.rule {
            return false;
        }
        let obj = f.object.as_ref();
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        eq(&self.namespace, obj.and_then(|o| o.namespace.as_deref()))
            && eq(&self.kind, obj.map(|o| o.kind.as_str()))
            && eq(&self.name, obj.map(|o| o.name.as_str()))
            && eq(&self.container, f.container.as_deref())
    }
}

pub use crate::host::vm_sizes::VmSizeOverride;

/// The nearest `.hostlint.yaml` from `dir` upward.
pub fn find_nearest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<FileConfig, Vec<InputError>> {
    let name: FileName = Arc::from(path.display().to_string());
    match std::fs::read(path) {
        Ok(bytes) => parse(&name, &bytes),
        Err(e) => Err(vec![InputError::whole(
            &name,
            format!("cannot read config: {e}"),
        )]),
    }
}

/// Validates config text; all problems are reported, not just the first.
pub fn parse(name: &FileName, bytes: &[u8]) -> Result<FileConfig, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut docs = Vec::new();
    for chunk in crate::parse::yaml::split(bytes) {
        for d in crate::parse::yaml::parse_chunk(chunk, &crate::parse::Limits::default()) {
            match d {
                Ok(d) => docs.push(d.root),
                Err(e) => errors.push(InputError::at(name, e.pos, e.message)),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut cfg = FileConfig::default();
    let mut v = Validator {
        name,
        errors: &mut errors,
    };
    let roots: Vec<&Node> = docs.iter().filter(|d| !is_empty(d)).collect();
    if roots.len() > 1 {
        v.err(roots[1], "the config must be one YAML document".into());
    }
    if let Some(root) = roots.first()
        && let Some(map) = v.map(root, "the config")
    {
        for (k, val) in map {
            match k.as_str().unwrap_or("") {
                "rules" => rules(&mut v, val, &mut cfg),
                "exclude" => {
                    cfg.exclude = v.strings(val, "exclude");
                    for item in val.as_seq().unwrap_or_default() {
                        if let Some(g) = item.as_str()
                            && let Err(e) = globset::Glob::new(g)
                        {
                            v.err(item, format!("bad exclude glob `{g}`: {}", e.kind()));
                        }
                    }
                }
                "exemptions" => exemptions(&mut v, val, &mut cfg),
                "all_pools" => cfg.all_pools = v.bool(val, "all_pools"),
                "vm_sizes" => vm_sizes(&mut v, val, &mut cfg),
                "selinux_types" => cfg.selinux_types = v.strings(val, "selinux_types"),
                "driver_images" => cfg.driver_images = v.strings(val, "driver_images"),
                "host" => host(&mut v, val, &mut cfg),
                other => v.err(k, format!("unknown key `{other}` (expected rules, exclude, exemptions, all_pools, vm_sizes, selinux_types, driver_images, host)")),
            }
        }
    }
    if errors.is_empty() {
        Ok(cfg)
    } else {
        Err(errors)
    }
}

fn is_empty(n: &Node) -> bool {
    matches!(&n.value, crate::parse::node::Value::Scalar(s, crate::parse::node::Style::Plain) if crate::parse::node::is_null(s))
}

struct Validator<'e> {
    name: &'e FileName,
    errors: &'e mut Vec<InputError>,
}

impl Validator<'_> {
    fn err(&mut self, at: &Node, message: String) {
        self.errors
            .push(InputError::at(self.name, at.span.start, message));
    }

    fn map<'n>(&mut self, n: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        let m = n.as_map();
        if m.is_none() {
            self.err(n, format!("{what} must be a mapping"));
        }
        m
    }

    fn str(&mut self, n: &Node, what: &str) -> Option<String> {
        match &n.value {
            crate::parse::node::Value::Scalar(..) if n.as_str().is_some() => {
                n.as_str().map(str::to_string)
            }
            _ => {
                self.err(n, format!("`{what}` must be a string"));
                None
            }
        }
    }

    fn bool(&mut self, n: &Node, what: &str) -> Option<bool> {
        let b = n.as_bool();
        if b.is_none() {
            self.err(n, format!("`{what}` must be true or false"));
        }
        b
    }

    fn strings(&mut self, n: &Node, what: &str) -> Vec<String> {
        let Some(seq) = n.as_seq() else {
            self.err(n, format!("`{what}` must be a list of strings"));
            return Vec::new();
        };
        seq.iter().filter_map(|s| self.str(s, what)).collect()
    }
}

fn rules(v: &mut Validator<'_>, n: &Node, cfg: &mut FileConfig) {
    let Some(map) = v.map(n, "`rules`") else {
        return;
    };
    for (k, val) in map {
        let name = k.as_str().unwrap_or("");
        if crate::rules::by_name(name).is_none() {
            v.err(k, format!("no rule named `{name}` (see `hostlint rules`)"));
            continue;
        }
        let level = match val.as_str() {
            Some("off") => Some(None),
            Some(s) => Severity::parse(s).map(Some),
            None if val.as_bool() == Some(false) => Some(None),
            None => None,
        };
        match level {
            Some(l) => {
                cfg.rules.insert(name.to_string(), l);
            }
            None => v.err(
                val,
                format!(
                    "rule `{name}`: expected off, info, warning or error, not `{}`",
                    val.as_str().unwrap_or("?")
                ),
            ),
        }
    }
}

fn host(v: &mut Validator<'_>, n: &Node, cfg: &mut FileConfig) {
    let mut hc = HostConfig::default();
    let name_ok = |v: &mut Validator<'_>, at: &Node, name: &str| {
        if crate::host::profile::named(name).is_none() {
            v.err(at, unknown_host(name));
        }
    };
    if let Some(name) = n.as_str().filter(|_| n.as_map().is_none()) {
        name_ok(v, n, name);
        hc.name = Some(name.to_string());
    } else if let Some(map) = v.map(n, "`host`") {
        for (k, val) in map {
            let key = k.as_str().unwrap_or("");
            if key == "name" {
                if let Some(name) = v.str(val, "host.name") {
                    name_ok(v, val, &name);
                    hc.name = Some(name);
                }
                continue;
            }
            let Some(shape) = crate::host::profile::shape_of(key) else {
                v.err(
                    k,
                    format!("no host fact named `{key}` (see `hostlint hosts acl`)"),
                );
                continue;
            };
            match crate::host::profile::check_shape(key, shape, val) {
                Ok(()) => hc.facts.push((
                    key.to_string(),
                    val.clone(),
                    format!("{}:{}", v.name, k.span.start.line),
                )),
                Err(e) => v.err(val, e),
            }
        }
    }
    cfg.host = Some(hc);
}

fn exemptions(v: &mut Validator<'_>, n: &Node, cfg: &mut FileConfig) {
    let Some(seq) = n.as_seq() else {
        v.err(n, "`exemptions` must be a list".into());
        return;
    };
    for item in seq {
        let Some(map) = v.map(item, "an exemption") else {
            continue;
        };
        let mut e = Exemption::default();
        let (mut rule, mut reason) = (false, false);
        for (k, val) in map {
            let key = k.as_str().unwrap_or("");
            let slot = match key {
                "rule" => {
                    rule = true;
                    &mut e.rule
                }
                "reason" => {
                    reason = true;
                    &mut e.reason
                }
                "namespace" | "kind" | "name" | "container" => {
                    let s = v.str(val, key);
                    match key {
                        "namespace" => e.namespace = s,
                        "kind" => e.kind = s,
                        "name" => e.name = s,
                        _ => e.container = s,
                    }
                    continue;
                }
                other => {
                    v.err(k, format!("unknown exemption key `{other}` (expected rule, namespace, kind, name, container, reason)"));
                    continue;
                }
            };
            *slot = v.str(val, key).unwrap_or_default();
            if key == "rule" && !e.rule.is_empty() && crate::rules::by_name(&e.rule).is_none() {
                v.err(
                    val,
                    format!("no rule named `{}` (see `hostlint rules`)", e.rule),
                );
            }
            if key == "reason" && e.reason.trim().is_empty() {
                v.err(val, "an exemption needs a non-empty `reason`".into());
            }
        }
        if !rule {
            v.err(item, "an exemption needs a `rule`".into());
        }
        if !reason {
            v.err(item, "an exemption needs a `reason`".into());
        }
        cfg.exemptions.push(e);
    }
}

fn vm_sizes(v: &mut Validator<'_>, n: &Node, cfg: &mut FileConfig) {
    let Some(seq) = n.as_seq() else {
        v.err(n, "`vm_sizes` must be a list of {pattern, verdict}".into());
        return;
    };
    for item in seq {
        let Some(map) = v.map(item, "a `vm_sizes` entry") else {
            continue;
        };
        let (mut pattern, mut verdict, mut verdict_given) = (None, None, false);
        for (k, val) in map {
            match k.as_str().unwrap_or("") {
                "pattern" => pattern = v.str(val, "pattern"),
                "verdict" => {
                    verdict_given = true;
                    verdict = v.str(val, "verdict").and_then(|name| {
                        let parsed = crate::host::vm_sizes::verdict_named(&name);
                        if parsed.is_none() {
                            v.err(val, format!("unknown `verdict` `{name}` (expected supported, gen1-vm-size, vm-size-without-trusted-launch, confidential-vm-size, arm64-vm-size-not-cobalt, arm64-gpu-vm-size or non-nvidia-gpu-vm-size)"));
                        }
                        parsed
                    })
                }
                other => v.err(
                    k,
                    format!("unknown `vm_sizes` key `{other}` (expected pattern, verdict)"),
                ),
            }
        }
        match (pattern, verdict) {
            (Some(pattern), Some(verdict)) => {
                cfg.vm_sizes.push(VmSizeOverride { pattern, verdict })
            }
            // A bad verdict was reported where it stands.
            (_, None) if verdict_given => {}
            _ => v.err(
                item,
                "a `vm_sizes` entry needs `pattern` and `verdict`".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<FileConfig, Vec<InputError>> {
        parse(&Arc::from(".hostlint.yaml"), text.as_bytes())
    }

    #[test]
    fn reads_a_full_config() {
        let c = p("rules:\n  host-pid: off\n  host-network: error\nexclude: [\"a/**\"]\nexemptions:\n  - {rule: host-ipc, namespace: ns, reason: why}\nall_pools: true\nvm_sizes:\n  - {pattern: \"Standard_NC*\", verdict: gen1-vm-size}\n").unwrap();
        assert_eq!(c.rules.get("host-pid"), Some(&None));
        assert_eq!(c.rules.get("host-network"), Some(&Some(Severity::Error)));
        assert_eq!(c.exclude, vec!["a/**"]);
        assert_eq!(c.exemptions[0].namespace.as_deref(), Some("ns"));
        assert_eq!(c.all_pools, Some(true));
        assert_eq!(
            c.vm_sizes[0].verdict,
            Some(crate::host::vm_sizes::Verdict::Gen1)
        );
    }

    #[test]
    fn host_picks_a_profile_and_overrides_facts_in_their_shapes() {
        let c = p("host: osguard\n").unwrap();
        let prof = HostConfig::profile(c.host.as_ref(), "acl").unwrap();
        assert_eq!(prof.name, "osguard");
        let c =
            p("host:\n  name: acl\n  code_integrity: enforce\n  blocked_modules: [sctp, dccp]\n")
                .unwrap();
        let prof = HostConfig::profile(c.host.as_ref(), "flatcar").unwrap();
        assert_eq!(prof.name, "acl");
        assert_eq!(prof.code_integrity(), "enforce");
        assert!(prof.module_blocked("dccp"));
        assert_eq!(
            prof.facts["code_integrity"].source,
            ".hostlint.yaml override at .hostlint.yaml:3"
        );
        let e = p("host:\n  name: gentoo\n  code_integrity: strict\n  nope: 1\n").unwrap_err();
        let at: Vec<(Option<u32>, Option<u32>)> = e.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            at,
            vec![(Some(2), Some(9)), (Some(3), Some(19)), (Some(4), Some(3))],
            "{e:?}"
        );
        assert!(
            e[0].message.contains("no host profile named `gentoo`"),
            "{e:?}"
        );
        assert!(
            e[1].message.contains("`code_integrity` must be one of"),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_point_at_the_line() {
        let e = p("rules:\n  host-pid: loud\nexemptoins: []\nexemptions:\n  - rule: host-pid\n")
            .unwrap_err();
        let at: Vec<(Option<u32>, Option<u32>)> = e.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            at,
            vec![(Some(2), Some(13)), (Some(3), Some(1)), (Some(5), Some(5))],
            "{e:?}"
        );
        assert!(e[0].message.contains("`host-pid`"));
        assert!(e[1].message.contains("`exemptoins`"));
    }
}
