use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::DRIVER_COMMANDS;
use crate::model::script::{ContainerScript, Invocation};
use crate::parse::node::{Node, pointer};

pub static KERNEL_MODULE_BUILD: Rule = Rule {
    name: "kernel-module-build",
    severity: Severity::Error,
    summary: "An out-of-tree kernel module is built or loaded (dkms, insmod x.ko, driver containers)",
    what: "Flags `dkms`, `insmod <file>.ko`, `make -C /lib/modules/...` in a container's scripts, and well-known \
out-of-tree driver containers by image (`nvcr.io/nvidia/driver`, GKE's `*nvidia-driver-installer` and \
`cos-nvidia-installer`, `nvcr.io/nvidia/mellanox/doca-driver`, `mofed`, falco's `falco-driver-loader` unless told \
to use modern eBPF, sysdig `agent-kmodule`, the full `sysdig/agent` unless `SYSDIG_BPF_PROBE` is set, AKS's `aks-gpu*` \
NVIDIA installers, Piraeus `drbd9-*` DRBD module loaders, AMD's `rocm/amdgpu-driver`) or entrypoint (`nvidia-driver init`).",
    why: "ACL boots with Secure Boot, and a module that fails signature verification does not load (\"Key was rejected \
by service\", falco#2029); `/usr/lib/modules` is read-only and no kernel headers are installed, so module builds fail \
too. NVIDIA drivers for GPU pools are shipped by AKS as system extensions (HOST-FACTS: The host; flatcar/Flatcar#715).",
    fix: "use what the node ships instead of building a module: AKS-managed NVIDIA drivers (GPU Operator with `driver.enabled=false`), falco's modern eBPF driver (`driver.kind=modern_ebpf`), in-tree modules via `modprobe`",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nvidia-driver
spec:
  selector: {matchLabels: {app: nvidia-driver}}
  template:
    metadata: {labels: {app: nvidia-driver}}
    spec:
      containers:
        - name: driver
          image: nvcr.io/nvidia/driver:550.54.15-ubuntu22.04
          securityContext: {privileged: true}
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nvidia-device-plugin
spec:
  selector: {matchLabels: {app: nvidia-device-plugin}}
  template:
    metadata: {labels: {app: nvidia-device-plugin}}
    spec:
      containers:
        - name: plugin
          image: nvcr.io/nvidia/k8s-device-plugin:v0.17.0
"#,
    references: &[
        "https://github.com/flatcar/Flatcar/issues/715",
        "https://github.com/falcosecurity/falco/issues/2029",
        "https://learn.microsoft.com/azure/virtual-machines/trusted-launch",
    ],
    tags: &["workload", "kernel", "script"],
    check,
};

/// Whether an invocation builds or loads an out-of-tree module.
pub(crate) fn builds(inv: &Invocation) -> bool {
    // As written when not resolvable: `/lib/modules/$(uname -r)/build` still names the tree.
    let words: Vec<&str> = inv
        .args
        .iter()
        .map(|a| a.text.as_deref().unwrap_or(&a.raw))
        .collect();
    match inv.program.as_str() {
        "dkms" => !matches!(words.first(), Some(&"status") | None),
        "insmod" => words.iter().any(|w| w.contains(".ko")),
        "make" => {
            words.windows(2).any(|w| {
                w[0] == "-C"
                    && (w[1].starts_with("/lib/modules")
                        || w[1].starts_with("/usr/lib/modules")
                        || w[1].starts_with("/usr/src"))
            }) || words.iter().any(|w| {
                w.starts_with("-C/lib/modules") || w.starts_with("--directory=/lib/modules")
            })
        }
        p => DRIVER_COMMANDS
            .iter()
            .any(|(cmd, sub)| *cmd == p && sub.is_none_or(|s| words.first() == Some(&s))),
    }
}

/// Whether a sysdig agent was told to use its eBPF probe (`SYSDIG_BPF_PROBE`, set to any value).
fn sysdig_ebpf(c: &Node) -> bool {
    c.get("env")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|e| e.str_at(&["name"]) == Some("SYSDIG_BPF_PROBE"))
}

/// Whether a container was told to use falco's modern eBPF probe (no module to build).
fn modern_ebpf(c: &Node) -> bool {
    let told = |s: &str| s.contains("modern") || s == "auto";
    let list = |k: &str| {
        c.get(k)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .any(told)
    };
    list("command")
        || list("args")
        || c.get("env")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|e| e.str_at(&["value"]).is_some_and(told))
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object {
        pods,
        scripts,
        site,
        ..
    } = subject
    else {
        return;
    };
    // A host that loads unsigned modules (no Secure Boot, no forced signatures: profile fact
    // `kernel_modules`) runs the driver: the finding is a note of it, not a failure.
    let profile = subject.profile();
    let loads = profile.text("kernel_modules") == "unsigned-load";
    let host = profile.title();
    let on_host = |hit: Hit| {
        if loads {
            hit.at_most(Severity::Info).note(
                None,
                format!("{host} loads unsigned out-of-tree modules when Secure Boot is off (the kernel is tainted); with Secure Boot on, only modules built with the kernel load"),
            )
        } else {
            hit
        }
    };
    // A driver container is reported once: by its image when that is known, else by its command.
    let mut by_image: Vec<&str> = Vec::new();
    for pod in pods.iter() {
        for c in &pod.containers {
            let Some(img) = c.node.get("image") else {
                continue;
            };
            let Some(pattern) = img.as_str().and_then(|i| site.driver_image(i)) else {
                continue;
            };
            if (pattern == "falco-driver-loader" && modern_ebpf(c.node))
                || (pattern == "sysdig/agent" && sysdig_ebpf(c.node))
            {
                continue;
            }
            let name = img.as_str().unwrap_or("");
            by_image.push(&c.name);
            out.push(on_host(
                Hit::at(
                    img,
                    pointer(&c.path, "image"),
                    format!("image `{name}` builds or loads an out-of-tree kernel module"),
                )
                .container(&c.name),
            ));
        }
    }
    for cs in scripts
        .iter()
        .filter(|cs| cs.runner.is_some() || !by_image.contains(&cs.container.as_str()))
    {
        for inv in cs.invocations.iter().filter(|i| builds(i)) {
            if inv.program == "falco-driver-loader"
                && inv.words().any(|w| w.contains("modern") || w == "auto")
            {
                continue;
            }
            let line: Vec<&str> = std::iter::once(inv.program.as_str())
                .chain(inv.words().take(3))
                .collect();
            ContainerScript::push(
                out,
                on_host(cs.hit(
                    &inv.at,
                    format!(
                        "`{}` builds or loads an out-of-tree kernel module",
                        line.join(" ")
                    ),
                )),
            );
        }
    }
}
