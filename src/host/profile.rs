//! Host profiles as data: one YAML file per host under `hosts/`, embedded in the binary and read
//! once with the span-aware YAML reader. Every fact is `{value, source}`; the rules read facts through
//! the accessors here, never a host's name. `.hostlint.yaml` `host:` picks a profile and overrides
//! facts with the same shapes ([`Profile::set`]), and a node pool's OS SKU picks the profile of its
//! own rules ([`Hosts::for_os_sku`]).
//!
//! A new fact is a data edit: add it to every file under `hosts/` and to [`FACTS`] with its shape,
//! then read it with [`Profile::get`] and the generic accessors ([`Profile::list`],
//! [`Profile::rows`], ...).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::parse::node::{Node, Value};

/// The profiles shipped with hostlint: (name, file text). `acl` first: it is the default.
const BUILTIN: &[(&str, &str)] = &[
    ("acl", include_str!("../../hosts/acl.yaml")),
    ("osguard", include_str!("../../hosts/osguard.yaml")),
    ("flatcar", include_str!("../../hosts/flatcar.yaml")),
    ("ubuntu", include_str!("../../hosts/ubuntu.yaml")),
    ("azurelinux", include_str!("../../hosts/azurelinux.yaml")),
];

/// The hosts `--host` may name (immutable hosts the rules are written for); the others are only
/// sources for `--from`.
pub const TARGETS: &[&str] = &["acl", "osguard", "flatcar"];

/// What a fact's value must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Text,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// An integer, or `null` when unknown.
    OptInt,
    /// A list of strings.
    List,
    /// A list of mappings whose values are scalars or lists of strings.
    Rows,
    /// A mapping of strings.
    Map,
}

/// Every fact a profile has, with its shape. Each profile must give every one (a test checks).
pub const FACTS: &[(&str, Shape)] = &[
    ("os_skus", Shape::List),
    ("candidate_os_skus", Shape::List),
    ("os_sku_label", Shape::Text),
    ("lifecycle", Shape::Map),
    ("read_only_trees", Shape::List),
    ("writable_under_read_only", Shape::List),
    ("flexvolume_dir", Shape::Text),
    ("credential_provider_dir", Shape::Text),
    (
        "selinux_mode",
        Shape::OneOf(&["enforcing", "permissive", "disabled"]),
    ),
    ("selinux_labelling", Shape::Bool),
    ("selinux_workload_types", Shape::List),
    ("spc_t_unconfined", Shape::Bool),
    ("selinux_host_path_types", Shape::Rows),
    ("selinux_list_denied_dirs", Shape::Rows),
    ("selinux_connect_denied_sockets", Shape::Rows),
    ("selinux_host_root_view", Shape::Rows),
    ("container_file_t_dirs", Shape::List),
    ("journal_gid", Shape::OptInt),
    ("apparmor", Shape::Bool),
    (
        "package_manager",
        Shape::OneOf(&["none", "read-only", "works"]),
    ),
    ("shipped_packages", Shape::Rows),
    ("unavailable_packages", Shape::Rows),
    (
        "kernel_modules",
        Shape::OneOf(&["signed-only", "unsigned-load"]),
    ),
    ("kernel_cmdline", Shape::OneOf(&["fixed", "editable"])),
    ("blocked_modules", Shape::List),
    (
        "containerd_config",
        Shape::OneOf(&["selected-at-boot", "writable"]),
    ),
    ("docker", Shape::Bool),
    ("pod_sandboxing", Shape::Bool),
    (
        "trusted_launch",
        Shape::OneOf(&["mandatory", "optional", "unsupported"]),
    ),
    ("min_kubernetes", Shape::Text),
    ("node_os_upgrade_channels", Shape::List),
    ("artifact_streaming", Shape::Bool),
    ("entra_id_ssh", Shape::OneOf(&["true", "false", "unknown"])),
    ("vm_sizes", Shape::Rows),
    ("host_exec_dirs", Shape::List),
    ("code_integrity", Shape::OneOf(&["off", "audit", "enforce"])),
    ("os_release", Shape::Map),
    ("present_files", Shape::List),
    ("absent_files", Shape::List),
    ("present_programs", Shape::List),
    ("absent_programs", Shape::List),
];

/// One fact: its value (a YAML tree, with the spans of the file it came from) and its source.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub value: Node,
    pub source: String,
}

/// A host profile: its name, a one-line description, and its facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: String,
    /// How messages name the host: `ACL`, `OS Guard`, ...
    pub title: String,
    pub description: String,
    pub facts: BTreeMap<String, Fact>,
}

/// A problem in a profile or an override: where (1-based line and column, when known) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl ProfileError {
    fn at(n: &Node, message: String) -> Self {
        ProfileError {
            line: n.span.start.line,
            column: n.span.start.col,
            message,
        }
    }
}

/// Whether `value` has `shape`: `None` when it does, else what is wrong.
pub fn check_shape(key: &str, shape: Shape, value: &Node) -> Result<(), String> {
    let is_str = |n: &Node| matches!(n.value, Value::Scalar(..));
    let strings = |n: &Node| n.as_seq().is_some_and(|s| s.iter().all(is_str));
    let ok = match shape {
        Shape::Text => is_str(value) && value.as_str().is_some(),
        Shape::OneOf(values) => {
            let text = value
                .as_bool()
                .map(|b| b.to_string())
                .or_else(|| value.as_str().map(str::to_string));
            if let Some(t) = &text
                && !values.contains(&t.as_str())
            {
                return Err(format!(
                    "`{key}` must be one of {}, not `{t}`",
                    values.join(", ")
                ));
            }
            text.is_some()
        }
        Shape::Bool => value.as_bool().is_some(),
        Shape::OptInt => value.as_i64().is_some() || (is_str(value) && value.as_str().is_none()),
        Shape::List => strings(value),
        Shape::Rows => value.as_seq().is_some_and(|rows| {
            rows.iter().all(|r| {
                r.as_map()
                    .is_some_and(|m| m.iter().all(|(_, v)| is_str(v) || strings(v)))
            })
        }),
        Shape::Map => value
            .as_map()
            .is_some_and(|m| m.iter().all(|(_, v)| is_str(v))),
    };
    if ok {
        Ok(())
    } else {
        let what = match shape {
            Shape::Text => "a string",
            Shape::OneOf(_) => "a string",
            Shape::Bool => "true or false",
            Shape::OptInt => "an integer or null",
            Shape::List => "a list of strings",
            Shape::Rows => "a list of mappings",
            Shape::Map => "a mapping of strings",
        };
        Err(format!("`{key}` must be {what}"))
    }
}

/// The shape of a known fact.
pub fn shape_of(key: &str) -> Option<Shape> {
    FACTS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

impl Profile {
    /// Reads a profile file: `name`, `description`, and `facts` of `{value, source}`; every fact
    /// known, with its shape and a non-empty source, and none missing.
    pub fn parse(text: &str) -> Result<Profile, Vec<ProfileError>> {
        let limits = crate::parse::Limits::default();
        let mut roots = Vec::new();
        let mut errors = Vec::new();
        for chunk in crate::parse::yaml::split(text.as_bytes()) {
            for d in crate::parse::yaml::parse_chunk(chunk, &limits) {
                match d {
                    Ok(d) => roots.push(d.root),
                    Err(e) => errors.push(ProfileError {
                        line: e.pos.line,
                        column: e.pos.col,
                        message: e.message,
                    }),
                }
            }
        }
        let Some(root) = roots.first().filter(|_| errors.is_empty()) else {
            if errors.is_empty() {
                errors.push(ProfileError {
                    line: 1,
                    column: 1,
                    message: "empty profile".into(),
                });
            }
            return Err(errors);
        };
        let mut p = Profile {
            name: String::new(),
            title: String::new(),
            description: String::new(),
            facts: BTreeMap::new(),
        };
        let Some(map) = root.as_map() else {
            return Err(vec![ProfileError::at(
                root,
                "a profile is a mapping".into(),
            )]);
        };
        for (k, v) in map {
            match k.as_str().unwrap_or("") {
                "name" => p.name = v.as_str().unwrap_or("").to_string(),
                "title" => p.title = v.as_str().unwrap_or("").to_string(),
                "description" => p.description = v.as_str().unwrap_or("").to_string(),
                "facts" => {
                    for (fk, fv) in v.as_map().unwrap_or_default() {
                        let key = fk.as_str().unwrap_or("");
                        let (value, source) = (fv.get("value"), fv.str_at(&["source"]));
                        match (value, source) {
                            (Some(value), Some(source)) if !source.trim().is_empty() => {
                                if let Err(e) = p.set(key, value, source) {
                                    errors.push(ProfileError::at(fk, e));
                                }
                            }
                            (None, _) => errors
                                .push(ProfileError::at(fk, format!("fact `{key}` has no `value`"))),
                            _ => errors.push(ProfileError::at(
                                fk,
                                format!("fact `{key}` has no `source`"),
                            )),
                        }
                    }
                }
                other => errors.push(ProfileError::at(
                    k,
                    format!(
                        "unknown profile key `{other}` (expected name, title, description, facts)"
                    ),
                )),
            }
        }
        for (key, _) in FACTS {
            if !p.facts.contains_key(*key) {
                errors.push(ProfileError {
                    line: 1,
                    column: 1,
                    message: format!("profile `{}` lacks fact `{key}`", p.name),
                });
            }
        }
        if p.name.is_empty() {
            errors.push(ProfileError::at(root, "a profile needs a `name`".into()));
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    /// Sets fact `key` to `value` (a known fact, in its shape), citing `source`.
    pub fn set(&mut self, key: &str, value: &Node, source: &str) -> Result<(), String> {
        let Some(shape) = shape_of(key) else {
            return Err(format!(
                "no host fact named `{key}` (see `hostlint hosts acl`)"
            ));
        };
        check_shape(key, shape, value)?;
        self.facts.insert(
            key.to_string(),
            Fact {
                value: value.clone(),
                source: source.to_string(),
            },
        );
        Ok(())
    }

    /// A fact's value.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.facts.get(key).map(|f| &f.value)
    }

    /// A text fact (`""` when absent).
    pub fn text(&self, key: &str) -> &str {
        self.get(key).and_then(Node::as_str).unwrap_or("")
    }

    /// A boolean fact (`false` when absent).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(Node::as_bool).unwrap_or(false)
    }

    /// An integer fact (`None` when unknown).
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Node::as_i64)
    }

    /// A list fact's strings.
    pub fn list(&self, key: &str) -> impl Iterator<Item = &str> {
        self.get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
    }

    /// Whether list fact `key` holds `item` (ASCII case-insensitively).
    pub fn lists(&self, key: &str, item: &str) -> bool {
        self.list(key).any(|x| x.eq_ignore_ascii_case(item))
    }

    /// A rows fact's mappings.
    pub fn rows(&self, key: &str) -> &[Node] {
        self.get(key).and_then(Node::as_seq).unwrap_or_default()
    }

    /// A mapping fact's value at `field`.
    pub fn field(&self, key: &str, field: &str) -> Option<&str> {
        self.get(key).and_then(|m| m.str_at(&[field]))
    }

    // Domain views of the facts, for the rules.

    /// The read-only tree a normalised host path is on, if any (not the writable exceptions).
    pub fn read_only_tree(&self, path: &str) -> Option<&str> {
        if self
            .list("writable_under_read_only")
            .any(|w| super::under(path, w))
        {
            return None;
        }
        self.list("read_only_trees").find(|t| super::under(path, t))
    }

    /// Whether SELinux denies a confined pod what its policy does not allow: the host enforces and
    /// the runtime labels pods.
    pub fn selinux_denies(&self) -> bool {
        self.text("selinux_mode") == "enforcing" && self.flag("selinux_labelling")
    }

    /// The SELinux type of `path` when `container_t` cannot read it, else `None` (the longest
    /// matching path decides).
    pub fn unreadable_by_container_t(&self, path: &str) -> Option<&str> {
        self.rows("selinux_host_path_types")
            .iter()
            .filter_map(|r| Some((r.str_at(&["path"])?, r)))
            .filter(|(p, _)| super::under(path, p))
            .max_by_key(|(p, _)| p.len())
            .filter(|(_, r)| r.get("readable").and_then(Node::as_bool) == Some(false))
            .and_then(|(_, r)| r.str_at(&["type"]))
    }

    /// The `selinux_host_path_types` rows as (path, type, readable).
    fn host_path_types(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.rows("selinux_host_path_types").iter().filter_map(|r| {
            Some((
                r.str_at(&["path"])?,
                r.str_at(&["type"])?,
                r.get("readable").and_then(Node::as_bool)?,
            ))
        })
    }

    /// Readable subtrees (path, type) of a host path whose own type `container_t` may not read
    /// (on ACL, `/var/lib` holds the containerd and kubelet directories): the outermost ones.
    pub fn readable_below(&self, path: &str) -> Vec<(&str, &str)> {
        let readable: Vec<_> = self
            .host_path_types()
            .filter(|(p, _, readable)| *readable && *p != path && super::under(p, path))
            .map(|(p, t, _)| (p, t))
            .collect();
        readable
            .iter()
            .filter(|(p, _)| !readable.iter().any(|(q, _)| q != p && super::under(p, q)))
            .copied()
            .collect()
    }

    /// Denied subtrees (path, type) below a host path whose own files `container_t` may not read
    /// either, with a type of their own (on ACL, `/run/containerd` under `/run`).
    pub fn denied_below(&self, path: &str) -> Vec<(&str, &str)> {
        let own = self.unreadable_by_container_t(path);
        self.host_path_types()
            .filter(|(p, t, readable)| {
                !*readable && *p != path && super::under(p, path) && own != Some(*t)
            })
            .map(|(p, t, _)| (p, t))
            .collect()
    }

    /// The directory `path` is (under) whose files `container_t` reads by name but may not list,
    /// with its type (`selinux_list_denied_dirs`).
    pub fn list_denied_dir(&self, path: &str) -> Option<(&str, &str)> {
        self.rows("selinux_list_denied_dirs").iter().find_map(|r| {
            let p = r.str_at(&["path"])?;
            super::under(path, p).then_some((p, r.str_at(&["type"])?))
        })
    }

    /// The socket (or its directory) `path` is (under) that `container_t` may not connect to, with
    /// why (`selinux_connect_denied_sockets`).
    pub fn connect_denied_socket(&self, path: &str) -> Option<(&str, &str)> {
        self.rows("selinux_connect_denied_sockets")
            .iter()
            .find_map(|r| {
                let p = r.str_at(&["path"])?;
                super::under(path, p).then_some((p, r.str_at(&["why"])?))
            })
    }

    /// What a `container_t` pod sees through a read-only hostPath of the host root: the items it
    /// sees (`seen` true) or does not (`selinux_host_root_view`).
    pub fn host_root_view(&self, seen: bool) -> Vec<&str> {
        self.rows("selinux_host_root_view")
            .iter()
            .filter(|r| r.get("seen").and_then(Node::as_bool) == Some(seen))
            .filter_map(|r| r.str_at(&["what"]))
            .collect()
    }

    /// Whether `path` is (under) a directory labelled `container_file_t`.
    pub fn container_file_t_dir(&self, path: &str) -> bool {
        self.list("container_file_t_dirs")
            .any(|d| super::under(path, d))
    }

    /// Packages of a rows fact (`shipped_packages`, `unavailable_packages`): (what, names).
    pub fn packages(&self, key: &str) -> Vec<(&str, Vec<&str>)> {
        self.rows(key)
            .iter()
            .filter_map(|r| {
                let names = r.get("names")?.as_seq()?.iter().filter_map(Node::as_str);
                Some((r.str_at(&["what"])?, names.collect()))
            })
            .collect()
    }

    /// Whether a kernel module is blocked (`install … /bin/true` or similar) on this host.
    pub fn module_blocked(&self, module: &str) -> bool {
        self.lists("blocked_modules", module)
    }

    /// The date the host retires on, and when its images go, when it is retiring.
    pub fn retirement(&self) -> Option<(&str, &str, &str)> {
        Some((
            self.field("lifecycle", "retires")?,
            self.field("lifecycle", "images_removed").unwrap_or("?"),
            self.field("lifecycle", "successor").unwrap_or("?"),
        ))
    }

    /// The minimum Kubernetes (major, minor) this host needs, when it needs one.
    pub fn min_kubernetes(&self) -> Option<(u32, u32)> {
        let (major, minor) = self.text("min_kubernetes").split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    }

    /// The code integrity (IPE) mode: `off`, `audit` or `enforce`.
    pub fn code_integrity(&self) -> &str {
        match self.text("code_integrity") {
            "" => "off",
            m => m,
        }
    }

    /// Whether a normalised host path exists on this host, when that is known: a `present_files`
    /// entry does; an `absent_files` entry, or anything under one, does not; nor does a program of
    /// `absent_programs` in a system `bin` directory.
    pub fn file_exists(&self, path: &str) -> Option<bool> {
        if self.list("present_files").any(|f| f == path) {
            return Some(true);
        }
        if self
            .list("absent_files")
            .any(|f| crate::host::under(path, f))
        {
            return Some(false);
        }
        let (dir, name) = path.rsplit_once('/')?;
        (SYSTEM_BIN_DIRS.contains(&dir) && self.list("absent_programs").any(|p| p == name))
            .then_some(false)
    }

    /// Whether a program is on this host's `PATH`, when that is known (`present_programs`,
    /// `absent_programs`).
    pub fn has_program(&self, name: &str) -> Option<bool> {
        if self.list("present_programs").any(|p| p == name) {
            Some(true)
        } else if self.list("absent_programs").any(|p| p == name) {
            Some(false)
        } else {
            None
        }
    }

    /// This host's os-release lines that the profile states (`os_release`), as `KEY=value`.
    pub fn os_release_lines(&self) -> Vec<(String, String)> {
        self.get("os_release")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (show(k), show(v)))
            .collect()
    }

    /// Whether `grep [-i] [-x] PATTERN` matches a line of this host's os-release, when that is
    /// known: true when an alternative of the pattern is found in a stated line, false when every
    /// alternative names a distribution ([`DISTRO_NAMES`]) that no stated line does; otherwise
    /// unknown (regular expressions beyond `^`, `$` and `|` included).
    pub fn os_release_matches(&self, pattern: &str, ci: bool, whole: bool) -> Option<bool> {
        let lines: Vec<String> = self
            .os_release_lines()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let fold = |s: &str| {
            if ci {
                s.to_ascii_lowercase()
            } else {
                s.to_string()
            }
        };
        let mut all_other = true;
        for alt in pattern.split("\\|").flat_map(|a| a.split('|')) {
            let start = alt.starts_with('^');
            let end = alt.ends_with('$') && !alt.ends_with("\\$");
            let lit = alt
                .trim_start_matches('^')
                .trim_end_matches('$')
                .replace(['"', '\''], "");
            if lit.is_empty()
                || lit.contains(['.', '*', '+', '?', '[', ']', '(', ')', '{', '}', '\\'])
            {
                return None;
            }
            let lit = fold(&lit);
            let hit = lines.iter().map(|l| fold(l)).any(|l| {
                let l = l.replace('"', "");
                if whole || (start && end) {
                    l == lit
                } else if start {
                    l.starts_with(&lit)
                } else if end {
                    l.ends_with(&lit)
                } else {
                    l.contains(&lit)
                }
            });
            if hit {
                return Some(true);
            }
            let low = lit.to_ascii_lowercase();
            let stated = lines.join("\n").to_ascii_lowercase();
            all_other &= DISTRO_NAMES
                .iter()
                .any(|d| low.contains(d) && !stated.contains(d));
        }
        all_other.then_some(false)
    }

    /// How messages name the host: `ACL`, `OS Guard`, ...
    pub fn title(&self) -> &str {
        if self.title.is_empty() {
            &self.name
        } else {
            &self.title
        }
    }
}

/// The system directories a program of `absent_programs` would be in.
const SYSTEM_BIN_DIRS: &[&str] = &["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/// Names of Linux distributions as os-release spells them (`ID`, `ID_LIKE`, `NAME`): a test for one
/// that a host's stated os-release lines do not name is false on that host.
pub const DISTRO_NAMES: &[&str] = &[
    "ubuntu",
    "debian",
    "centos",
    "rhel",
    "red hat",
    "redhat",
    "fedora",
    "rocky",
    "almalinux",
    "sles",
    "suse",
    "opensuse",
    "alpine",
    "amzn",
    "amazon linux",
    "photon",
    "oracle",
];

/// A fact's value in one line, as `hostlint hosts NAME` shows it (flow YAML).
pub fn show(n: &Node) -> String {
    match &n.value {
        Value::Scalar(..) => n.as_str().unwrap_or("null").to_string(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The built-in profiles, read once.
pub fn builtin() -> &'static [Arc<Profile>] {
    static PROFILES: OnceLock<Vec<Arc<Profile>>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(name, text)| {
                // A broken built-in profile is a bug in this build: the profile tests catch it first.
                let p = Profile::parse(text)
                    .unwrap_or_else(|e| panic!("built-in host profile `{name}` is invalid: {e:?}"));
                Arc::new(p)
            })
            .collect()
    })
}

/// A built-in profile by name.
pub fn named(name: &str) -> Option<Arc<Profile>> {
    builtin().iter().find(|p| p.name == name).cloned()
}

/// The names of the built-in profiles.
pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// The hosts a run lints for: the active profile (`--host`, `.hostlint.yaml` `host:`, overrides
/// applied) and the others, which node pools pick by their OS SKU.
#[derive(Clone, Debug)]
pub struct Hosts {
    pub active: Arc<Profile>,
}

impl Default for Hosts {
    fn default() -> Self {
        Hosts {
            active: builtin()[0].clone(),
        }
    }
}

impl Hosts {
    /// The hosts with `profile` active.
    pub fn new(profile: Profile) -> Self {
        Hosts {
            active: Arc::new(profile),
        }
    }

    /// The profile of a pool whose OS SKU is `sku`: the active one when it names that SKU, else the
    /// built-in profile that does; `None` for a SKU no profile names.
    pub fn for_os_sku(&self, sku: &str) -> Option<&Profile> {
        if self.active.lists("os_skus", sku) {
            return Some(&self.active);
        }
        builtin()
            .iter()
            .find(|p| p.lists("os_skus", sku))
            .or_else(|| builtin().iter().find(|p| p.lists("candidate_os_skus", sku)))
            .map(|p| &**p)
    }

    /// The profile of a node pool: its OS SKU's, else (an unknown or unresolved SKU, a candidate
    /// under `--all-pools`) the active one.
    pub fn for_pool(&self, pool: &crate::model::nodepool::Pool) -> &Profile {
        pool.os_sku
            .as_ref()
            .and_then(|s| self.for_os_sku(&s.text))
            .filter(|p| TARGETS.contains(&p.name.as_str()))
            .unwrap_or(&self.active)
    }
}

/// Whether an OS SKU names one of the immutable hosts the pool rules are for.
pub fn immutable_os_sku(sku: &str) -> bool {
    builtin()
        .iter()
        .filter(|p| TARGETS.contains(&p.name.as_str()))
        .any(|p| p.lists("os_skus", sku) || p.lists("candidate_os_skus", sku))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_reads_and_every_fact_has_a_source() {
        for (name, text) in BUILTIN {
            let p = Profile::parse(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(&p.name, name);
            assert!(!p.description.is_empty(), "{name}: no description");
            for (key, _) in FACTS {
                let f = p
                    .facts
                    .get(*key)
                    .unwrap_or_else(|| panic!("{name}: no {key}"));
                assert!(
                    f.source.trim().len() > 10,
                    "{name}: fact `{key}` cites no real source: {:?}",
                    f.source
                );
            }
        }
    }

    #[test]
    fn a_fact_without_a_source_or_of_the_wrong_shape_is_refused_at_its_line() {
        let text = BUILTIN[0].1.replace(
            "  docker:\n    value: false\n    source: \"HOST-FACTS The host: Docker is not installed; the runtime is containerd\"\n",
            "  docker:\n    value: false\n",
        );
        assert_ne!(text, BUILTIN[0].1, "the fixture text changed");
        let e = Profile::parse(&text).unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.message == "fact `docker` has no `source`"),
            "{e:?}"
        );
        let text = BUILTIN[0].1.replace("value: signed-only", "value: maybe");
        let e = Profile::parse(&text).unwrap_err();
        assert!(
            e[0].message.contains("`kernel_modules` must be one of"),
            "{e:?}"
        );
        assert!(e[0].line > 1);
    }

    #[test]
    fn acl_facts_decide_script_branches_as_the_acl_constants_did() {
        // The script model's decisions on ACL before they became profile data (the constants
        // `ABSENT_FILES`, `PACKAGE_MANAGERS`, `ABSENT_BOOT_TOOLS`, `OS_RELEASE` of src/host.rs):
        // acl.yaml must keep giving exactly these.
        let acl = named("acl").unwrap();
        for f in ["/etc/os-release", "/usr/lib/os-release"] {
            assert_eq!(acl.file_exists(f), Some(true), "{f}");
        }
        for f in [
            "/etc/debian_version",
            "/etc/lsb-release",
            "/etc/redhat-release",
            "/etc/centos-release",
            "/etc/fedora-release",
            "/etc/SuSE-release",
            "/etc/SUSE-brand",
            "/etc/alpine-release",
            "/etc/apt",
            "/etc/apt/sources.list",
            "/etc/zypp",
            "/var/lib/dpkg",
            "/var/lib/dpkg/status",
            "/var/lib/rpm",
        ] {
            assert_eq!(acl.file_exists(f), Some(false), "{f}");
        }
        let programs = [
            "apt",
            "apt-get",
            "aptitude",
            "yum",
            "dnf",
            "tdnf",
            "microdnf",
            "zypper",
            "apk",
            "rpm",
            "dpkg",
            "snap",
            "grubby",
            "update-grub",
            "update-grub2",
            "grub-mkconfig",
            "grub2-mkconfig",
            "kernelstub",
        ];
        for p in programs {
            assert_eq!(acl.has_program(p), Some(false), "{p}");
            for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
                assert_eq!(
                    acl.file_exists(&format!("{dir}/{p}")),
                    Some(false),
                    "{dir}/{p}"
                );
            }
            assert_eq!(
                acl.file_exists(&format!("/opt/bin/{p}")),
                None,
                "/opt/bin/{p}"
            );
        }
        for unknown in ["bootctl", "iscsiadm", "curl", "sh"] {
            assert_eq!(acl.has_program(unknown), None, "{unknown}");
        }
        for unknown in [
            "/etc/hostname",
            "/usr/bin/iscsiadm",
            "/etc/debian_version_x",
        ] {
            assert_eq!(acl.file_exists(unknown), None, "{unknown}");
        }
        assert_eq!(
            acl.os_release_lines(),
            [
                ("ID".to_string(), "azurelinux".to_string()),
                ("VARIANT_ID".to_string(), "azurecontainerlinux".to_string())
            ]
        );
        let m = |p: &str, ci: bool, whole: bool| acl.os_release_matches(p, ci, whole);
        assert_eq!(m("azurelinux", false, false), Some(true));
        assert_eq!(m("^ID=azurelinux$", false, false), Some(true));
        assert_eq!(m("ID=azurelinux", false, true), Some(true));
        assert_eq!(m("AZURECONTAINERLINUX", true, false), Some(true));
        assert_eq!(m("AZURECONTAINERLINUX", false, false), None);
        assert_eq!(m("ubuntu", false, false), Some(false));
        assert_eq!(m("ID=ubuntu\\|ID=debian", false, false), Some(false));
        assert_eq!(m("Red Hat|centos", true, false), Some(false));
        assert_eq!(m("ubuntu|azurelinux", false, false), Some(true));
        assert_eq!(m("ubuntu|coreos", false, false), None);
        assert_eq!(m("ID=ubunt.", false, false), None);
    }

    #[test]
    fn other_hosts_decide_script_branches_by_their_own_facts() {
        let osguard = named("osguard").unwrap();
        let ubuntu = named("ubuntu").unwrap();
        let flatcar = named("flatcar").unwrap();
        assert_eq!(osguard.has_program("tdnf"), Some(true));
        assert_eq!(osguard.has_program("apt-get"), Some(false));
        assert_eq!(osguard.file_exists("/var/lib/rpm"), None);
        assert_eq!(
            osguard.os_release_matches("osguard", false, false),
            Some(true)
        );
        assert_eq!(ubuntu.file_exists("/etc/debian_version"), Some(true));
        assert_eq!(ubuntu.has_program("apt-get"), Some(true));
        assert_eq!(ubuntu.has_program("tdnf"), Some(false));
        assert_eq!(
            ubuntu.os_release_matches("debian", false, false),
            Some(true)
        );
        // A distribution the stated lines name is not decided false by a pattern they miss.
        assert_eq!(ubuntu.os_release_matches("^ID=debian", false, false), None);
        assert_eq!(flatcar.has_program("tdnf"), Some(false));
        assert_eq!(
            flatcar.os_release_matches("ubuntu", false, false),
            Some(false)
        );
    }

    #[test]
    fn pools_pick_their_profile_by_os_sku() {
        let hosts = Hosts::default();
        assert_eq!(
            hosts.for_os_sku("azurelinuxosguard").unwrap().name,
            "osguard"
        );
        assert_eq!(hosts.for_os_sku("AzureContainerLinux").unwrap().name, "acl");
        assert_eq!(hosts.for_os_sku("Flatcar").unwrap().name, "acl");
        assert!(hosts.for_os_sku("Windows2022").is_none());
        assert!(immutable_os_sku("AzureLinux3OSGuard"));
        assert!(!immutable_os_sku("Ubuntu"));
    }

    #[test]
    fn facts_read_as_the_rules_need_them() {
        let acl = named("acl").unwrap();
        let flatcar = named("flatcar").unwrap();
        let osguard = named("osguard").unwrap();
        assert_eq!(acl.read_only_tree("/usr/local/bin/x"), None);
        assert_eq!(flatcar.read_only_tree("/usr/local/bin/x"), Some("/usr"));
        assert!(acl.selinux_denies());
        assert!(!osguard.selinux_denies());
        assert_eq!(acl.unreadable_by_container_t("/var/log"), Some("var_log_t"));
        assert_eq!(acl.unreadable_by_container_t("/var/log/pods/x"), None);
        assert_eq!(osguard.int("journal_gid"), Some(23));
        assert_eq!(named("ubuntu").unwrap().int("journal_gid"), None);
        assert_eq!(
            osguard.retirement(),
            Some(("2026-12-10", "2027-03-10", "AzureContainerLinux"))
        );
        assert_eq!(acl.retirement(), None);
        assert_eq!(acl.min_kubernetes(), Some((1, 34)));
        assert_eq!(osguard.code_integrity(), "audit");
        assert!(!flatcar.module_blocked("sctp") && acl.module_blocked("SCTP"));
    }
}
