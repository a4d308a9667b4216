//! Node pools on the real corpus: exact file:line:col of each finding, and the files that must stay
//! clean at error and warning. Skips (with a message) when the corpus is absent.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hostlint::discover::Kind;
use hostlint::rules::Severity;
use hostlint::{Config, Report, lint_bytes};

#[path = "support/shared.rs"]
mod support;

fn corpus() -> Option<PathBuf> {
    support::shared("corpus", "the node-pool corpus tests")
}

fn lint(dir: &Path, file: &str, all_pools: bool) -> Report {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let kind = Kind::from_path(&path).expect("known extension");
    let config = Config {
        all_pools,
        ..Config::default()
    };
    lint_bytes(&Arc::from(file), &bytes, kind, &config)
}

/// (rule, line, col) of every finding of `rules`.
fn hits(r: &Report, rules: &[&str]) -> Vec<(String, u32, u32)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .filter(|f| rules.contains(&f.rule))
        .map(|f| (f.rule.to_string(), f.span.start.line, f.span.start.col))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn h(rule: &str, line: u32, col: u32) -> (String, u32, u32) {
    (rule.to_string(), line, col)
}

macro_rules! corpus_or_skip {
    () => {
        match corpus() {
            Some(c) => c,
            None => return,
        }
    };
}

#[test]
fn gen1_sizes_with_all_pools() {
    let c = corpus_or_skip!();
    let g = &["gen1-vm-size"];
    assert_eq!(
        hits(&lint(&c, "tf-azurerm-example-egress-gateway.tf", true), g),
        vec![
            h("gen1-vm-size", 29, 18),
            h("gen1-vm-size", 52, 27),
            h("gen1-vm-size", 69, 27)
        ]
    );
    assert_eq!(
        hits(&lint(&c, "tf-aks-module-local-dns-config-main.tf", true), g),
        vec![h("gen1-vm-size", 51, 31), h("gen1-vm-size", 76, 39)]
    );
    assert_eq!(
        hits(&lint(&c, "avinor-tf-aks-module-main.tf", true), g),
        vec![h("gen1-vm-size", 22, 35)]
    );
    assert_eq!(
        hits(&lint(&c, "kics-aks-negative1-standard-a1.bicep", true), g),
        vec![h("gen1-vm-size", 16, 17)]
    );
    assert_eq!(
        hits(&lint(&c, "kics-aks-negative1-standard-a1.json", true), g),
        vec![h("gen1-vm-size", 22, 23)]
    );
    let spark = lint(&c, "azcli-samples-aks-spark-job.sh", true);
    // Reported at the use of `$NODE_VM_SIZE`, noting the assignment on line 2.
    assert_eq!(hits(&spark, g), vec![h("gen1-vm-size", 12, 84)]);
    let f = spark
        .findings
        .iter()
        .find(|f| f.rule == "gen1-vm-size")
        .unwrap();
    assert!(
        f.notes.iter().any(|n| n.line == Some(2)),
        "the assignment on line 2 is noted: {:?}",
        f.notes
    );
    assert!(f.message.contains("`Standard_D3_v2`"), "{}", f.message);
}

#[test]
fn pool_rules_need_acl_pools_without_all_pools() {
    let c = corpus_or_skip!();
    for file in [
        "tf-azurerm-example-egress-gateway.tf",
        "kics-aks-negative1-standard-a1.bicep",
        "azcli-samples-aks-spark-job.sh",
    ] {
        let r = lint(&c, file, false);
        assert!(
            r.findings.is_empty(),
            "{file}: {:?}",
            hits(&r, &["gen1-vm-size", "kubernetes-version-unsupported"])
        );
    }
}

#[test]
fn node_os_channels_with_all_pools() {
    let c = corpus_or_skip!();
    let n = &["node-os-upgrade-channel"];
    assert_eq!(
        hits(&lint(&c, "tf-avm-aks-waf-aligned-main.tf", true), n),
        vec![h("node-os-upgrade-channel", 200, 31)]
    );
    assert_eq!(
        hits(&lint(&c, "fleet-mgr-demo-cluster.bicep", true), n),
        vec![h("node-os-upgrade-channel", 53, 29)]
    );
    assert_eq!(
        hits(&lint(&c, "avinor-tf-aks-example-addons-main.tf", true), n),
        vec![h("node-os-upgrade-channel", 9, 29)]
    );
}

#[test]
fn clean_files_stay_clean_at_error_and_warning() {
    let c = corpus_or_skip!();
    let mut files = vec![
        "aks-baseline-cluster-stamp.bicep".to_string(),
        "tf-aks-module-variables.tf".into(),
        "capz-cluster-template-prow-aks.yaml".into(),
        "azcli-samples-aks-upgrade-cluster.sh".into(),
    ];
    for e in std::fs::read_dir(&c).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("aqt-aks-azure-container-linux-") || name.starts_with("aso-") {
            files.push(name);
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    for file in &files {
        let r = lint(&c, file, true);
        assert!(r.errors.is_empty(), "{file}: {:?}", r.errors);
        let bad: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .map(|f| (f.rule, f.span.start))
            .collect();
        assert!(bad.is_empty(), "{file}: {bad:?}");
    }
}

/// The clean files are clean because their pools were read and pass, not because nothing was read.
#[test]
fn clean_files_are_read() {
    let c = corpus_or_skip!();
    let text = std::fs::read_to_string(c.join("aks-baseline-cluster-stamp.bicep")).unwrap();
    let clusters = hostlint::parse::bicep::read(&text, &Default::default()).unwrap();
    let aks = clusters
        .iter()
        .find(|c| c.kind == "Microsoft.ContainerService/managedClusters")
        .expect("cluster read");
    let sizes: Vec<&str> = aks
        .pools
        .iter()
        .filter_map(|p| p.vm_size.as_ref())
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(sizes, ["Standard_D2d_v5", "Standard_D4d_v5"]);
    let k = aks.kubernetes_version.as_ref().unwrap();
    assert_eq!(
        (k.text.as_str(), k.span.start.line, k.used_at),
        ("1.35.0", 55, Some(747))
    );
    assert_eq!(
        aks.node_os_upgrade_channel.as_ref().unwrap().text,
        "NodeImage"
    );

    let text = std::fs::read_to_string(c.join("aqt-aks-azure-container-linux-main.bicep")).unwrap();
    let clusters = hostlint::parse::bicep::read(&text, &Default::default()).unwrap();
    let p = &clusters[0].pools[0];
    assert_eq!(
        p.vm_size
            .as_ref()
            .map(|v| (v.text.as_str(), v.span.start.line)),
        Some(("standard_d2s_v3", 21))
    );
    assert!(p.is_acl());

    let text =
        std::fs::read_to_string(c.join("aqt-aks-azure-container-linux-azuredeploy.json")).unwrap();
    let root = hostlint::parse::json::parse(&text, &Default::default()).unwrap();
    let clusters = hostlint::parse::arm::template_clusters(&root, &Default::default());
    let p = &clusters[0].pools[0];
    assert_eq!(
        p.vm_size.as_ref().map(|v| (v.text.as_str(), v.used_at)),
        Some(("standard_d2s_v3", Some(79)))
    );
}

/// The node-pool rules, as their fixture directories are named.
const POOL_RULES: &[&str] = &[
    "gen1-vm-size",
    "vm-size-without-trusted-launch",
    "confidential-vm-size",
    "arm64-vm-size-not-cobalt",
    "arm64-gpu-vm-size",
    "non-nvidia-gpu-vm-size",
    "node-os-upgrade-channel",
    "kubernetes-version-unsupported",
    "trusted-launch-disabled",
    "artifact-streaming",
    "pod-sandboxing-node-pool",
    "entra-id-ssh",
    "selinux-permissive-tag",
    "obsolete-flatcar-preview-flag",
];

/// Every fixture of the pool rules: findings exactly on the `expect:` lines, with and without
/// `--all-pools` (the fixtures' pools are ACL pools, so scope does not change them).
#[test]
fn pool_rule_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    let mut dirs: Vec<String> = POOL_RULES.iter().map(|s| s.to_string()).collect();
    dirs.push("flatcar-os-sku".into());
    for rule in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(rule))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let mut fails = 0;
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if rule == "flatcar-os-sku" && !name.contains("-pool") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut expected: Vec<(u32, String)> = text
                .lines()
                .enumerate()
                .filter_map(|(i, l)| {
                    let at = l
                        .find("# expect: ")
                        .map(|p| p + 10)
                        .or_else(|| l.find("// expect: ").map(|p| p + 11))?;
                    Some((i as u32 + 1, l[at..].trim().to_string()))
                })
                .collect();
            expected.sort();
            if name.starts_with("fail") {
                assert!(!expected.is_empty(), "{rule}/{name} has no expect marker");
                fails += 1;
            } else {
                assert!(
                    expected.is_empty(),
                    "{rule}/{name}: a pass fixture has markers"
                );
            }
            for all_pools in [false, true] {
                let r = lint(path.parent().unwrap(), &name, all_pools);
                assert!(r.errors.is_empty(), "{rule}/{name}: {:?}", r.errors);
                // `rule@col` markers also check the column.
                let with_col =
                    |line: u32| expected.iter().any(|(l, m)| *l == line && m.contains('@'));
                let mut got: Vec<(u32, String)> = r
                    .findings
                    .iter()
                    .map(|f| {
                        let line = f.span.start.line;
                        let rule = if with_col(line) {
                            format!("{}@{}", f.rule, f.span.start.col)
                        } else {
                            f.rule.to_string()
                        };
                        (line, rule)
                    })
                    .collect();
                got.sort();
                assert_eq!(got, expected, "{rule}/{name} (all_pools: {all_pools})");
            }
            checked += 1;
        }
        assert!(fails > 0, "{rule}: no failing fixture");
    }
    assert!(checked >= 40, "{checked}");
}

/// Each pool rule's documented example fires it, and its `use_instead` is silent.
#[test]
fn pool_rule_examples() {
    for name in POOL_RULES {
        let rule = hostlint::rules::by_name(name).unwrap_or_else(|| panic!("{name} is registered"));
        let kind = Kind::from_path(Path::new(&format!("x.{}", rule.lang.extension()))).unwrap();
        let run = |text: &str| {
            lint_bytes(
                &Arc::from("example"),
                text.as_bytes(),
                kind,
                &Config::default(),
            )
        };
        let fired = run(rule.example);
        assert!(
            fired.findings.iter().any(|f| f.rule == rule.name),
            "{name}: example does not fire: {:?}",
            fired.findings
        );
        let quiet = run(rule.use_instead);
        assert!(
            quiet.findings.is_empty(),
            "{name}: use_instead fires: {:?}",
            quiet.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
        );
    }
}

/// A malformed Bicep, HCL or JSON file is an input error at its position; the others are linted.
#[test]
fn malformed_inputs_are_errors_with_positions() {
    use hostlint::discover::{Input, Origin};
    let input = |name: &str, text: &str| Input {
        name: Arc::from(name),
        origin: Origin::Stdin(Arc::new(text.as_bytes().to_vec())),
        kind: Kind::from_path(Path::new(name)),
    };
    let inputs = [
        input(
            "bad.tf",
            "resource \"azurerm_kubernetes_cluster\" \"x\" {\n  name = \"x\"\n  vm_size = \n}\n",
        ),
        input(
            "bad.bicep",
            "resource aks 'Microsoft.ContainerService/managedClusters@2026-03-01' = {\n  name: 'aks\n}\n",
        ),
        input(
            "bad.json",
            "{\n  \"resources\": [\n    {\"type\": }\n  ]\n}\n",
        ),
        input(
            "good.sh",
            "az aks nodepool add -g rg --cluster-name aks -n p --os-sku AzureContainerLinux --node-vm-size Standard_D2_v2\n",
        ),
    ];
    let report = hostlint::lint(&inputs, &Config::default());
    let errors: Vec<(&str, Option<u32>, Option<u32>)> = report
        .errors
        .iter()
        .map(|e| (&*e.file, e.line, e.column))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("bad.bicep", Some(2), Some(9)),
            ("bad.json", Some(3), Some(14)),
            ("bad.tf", Some(3), Some(13))
        ],
        "{:?}",
        report.errors
    );
    assert_eq!(
        hits(&report, &["gen1-vm-size"]),
        vec![h("gen1-vm-size", 1, 95)]
    );
}

/// Every `# expect: rule@col` marker in the files of a project fixture (`fixtures/projects/<name>/`,
/// read as `hostlint check <dir>` reads it): (file, line, rule, col).
/// (file, line, rule, column, severity): a marker `rule@col` expects the rule's default severity,
/// `rule@col(info)` names another.
fn project_markers(dir: &Path) -> Vec<(String, u32, String, u32, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, line) in text.lines().enumerate() {
                let Some(at) = line.find("# expect:").or_else(|| line.find("// expect:")) else {
                    continue;
                };
                let items = line[at..].split_once(':').unwrap().1;
                for item in items.split(',') {
                    let (rule, col) = item.trim().split_once('@').expect("rule@col");
                    let (col, severity) =
                        match col.strip_suffix(')').and_then(|c| c.split_once('(')) {
                            Some((col, sev)) => (col, sev.to_string()),
                            None => (
                                col,
                                hostlint::rules::by_name(rule)
                                    .expect("a rule")
                                    .severity
                                    .as_str()
                                    .to_string(),
                            ),
                        };
                    out.push((
                        p.display().to_string(),
                        i as u32 + 1,
                        rule.to_string(),
                        col.parse().unwrap(),
                        severity,
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

/// Projects (a Terraform directory with its variable files, local module calls): every finding, in
/// whichever file of the project, is exactly where a marker says, and the twins without markers
/// (a tfvars that sets a supported size over a Gen1 default, a module call with `count = 0`) stay
/// silent.
#[test]
fn project_fixtures_match_their_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4, "{dirs:?}");
    for dir in dirs {
        let found = hostlint::discover::discover(
            std::slice::from_ref(&dir),
            &hostlint::discover::Options::default(),
            &mut || Box::new(std::io::empty()),
        );
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let r = hostlint::lint(&found.inputs, &Config::default());
        assert!(r.errors.is_empty(), "{}: {:?}", dir.display(), r.errors);
        let mut got: Vec<_> = r
            .findings
            .iter()
            .map(|f| {
                (
                    f.file.to_string(),
                    f.span.start.line,
                    f.rule.to_string(),
                    f.span.start.col,
                    f.severity.as_str().to_string(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, project_markers(&dir), "{}", dir.display());
        assert!(r.objects > 0 || dir.ends_with("tf-local-module-count0"));
    }
}

/// A value from a shell variable is reported at each use (the assignment noted), one finding per
/// use, each with its own fingerprint, even when a runbook repeats the same command.
#[test]
fn each_use_of_a_variable_is_its_own_finding() {
    let script = "VM_SIZE=Standard_D2_v3\naz aks nodepool add --cluster-name aks -n acl --os-sku AzureContainerLinux --node-vm-size \"$VM_SIZE\"\naz aks nodepool add --cluster-name aks -n acl --os-sku AzureContainerLinux --node-vm-size \"$VM_SIZE\"\n";
    let r = lint_bytes(
        &Arc::from("run.sh"),
        script.as_bytes(),
        Kind::Shell,
        &Config::default(),
    );
    let g: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "gen1-vm-size")
        .collect();
    assert_eq!(
        g.iter()
            .map(|f| (f.span.start.line, f.span.start.col))
            .collect::<Vec<_>>(),
        vec![(2, 91), (3, 91)]
    );
    assert_ne!(g[0].fingerprint, g[1].fingerprint);
    assert!(g.iter().all(|f| f.notes.iter().any(|n| n.line == Some(1))));
}

/// A cluster or pool whose relevant values cannot be resolved is listed, never reported clean in
/// silence; a pool that is surely not ACL, a resource whose condition is false and an `existing`
/// reference are not.
#[test]
fn unresolved_clusters_and_pools_are_counted() {
    let lint_text = |name: &str, text: &str, kind: Kind| {
        lint_bytes(&Arc::from(name), text.as_bytes(), kind, &Config::default())
    };
    let tf = "variable \"size\" {}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"acl\" {\n  name    = \"acl\"\n  vm_size = var.size\n  os_sku  = \"AzureContainerLinux\"\n}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"ubuntu\" {\n  name    = \"ubuntu\"\n  vm_size = var.size\n}\n";
    let r = lint_text("main.tf", tf, Kind::Terraform);
    assert_eq!(
        r.unresolved,
        vec![(
            Arc::from("main.tf"),
            4,
            "azurerm_kubernetes_cluster_node_pool `acl` pool `acl`: `vm_size` not resolved: `var.size` has no default and no value is set".to_string()
        )]
    );
    assert!(
        hostlint::report::human::summary(&r).contains("1 cluster or pool not fully resolved"),
        "{}",
        hostlint::report::human::summary(&r)
    );
    let bicep = "param base object\nparam deploy bool = false\nresource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {\n  name: 'aks'\n  properties: union(base, { dnsPrefix: 'aks' })\n}\nresource old 'Microsoft.ContainerService/managedClusters@2024-09-01' = if (deploy) {\n  name: 'old'\n  properties: base\n}\nresource ref 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {\n  name: 'ref'\n}\n";
    let r = lint_text("main.bicep", bicep, Kind::Bicep);
    let got: Vec<(u32, &str)> = r
        .unresolved
        .iter()
        .map(|(_, l, m)| (*l, m.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(
            3,
            "Microsoft.ContainerService/managedClusters `aks`: `properties` not resolved: the value is not evaluated"
        )]
    );
}

/// A condition not known before deployment: every branch is read, and each finding says which
/// branch it needs (none when it holds in all).
#[test]
fn unknown_conditions_check_every_branch() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gen1-vm-size");
    let r = lint(&path, "fail-branches.bicep", false);
    let notes: Vec<(u32, Vec<String>)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.span.start.line,
                f.notes
                    .iter()
                    .filter(|n| n.message.starts_with("only when"))
                    .map(|n| n.message.clone())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        vec![
            (
                6,
                vec!["only when `legacy` is true (not known before deployment; every branch is checked)".to_string()]
            ),
            (
                13,
                vec!["only when `isProd` is true (not known before deployment; every branch is checked)".to_string()]
            ),
        ]
    );
    assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
}

/// ARM `properties` computed from what only the deployment knows (`reference()`), or by a call ARM
/// refuses (`createObject` with an odd number of arguments, as a hand-edited compiled sample of the
/// recall study has it): the cluster is listed as not resolved, never reported clean in silence.
#[test]
fn arm_properties_that_cannot_be_evaluated_are_listed() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "name": "from-reference",
      "properties": "[union(reference('net').outputs.base.value, createObject('kubernetesVersion', '1.29'))]"
    },
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "name": "odd",
      "properties": "[createObject('kubernetesVersion', '1.29', createObject())]"
    },
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "name": "pools",
      "properties": {
        "kubernetesVersion": "1.34",
        "agentPoolProfiles": "[map(reference('net').outputs.pools.value, lambda('p', createObject('name', lambdaVariables('p'))))]"
      }
    },
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "name": "one-pool",
      "properties": {
        "kubernetesVersion": "1.34",
        "agentPoolProfiles": ["[reference('net').outputs.pool.value]"]
      }
    }
  ]
}
"#;
    let r = lint_bytes(
        &Arc::from("azuredeploy.json"),
        template.as_bytes(),
        Kind::Json,
        &Config {
            all_pools: true,
            ..Config::default()
        },
    );
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let got: Vec<(u32, &str)> = r
        .unresolved
        .iter()
        .map(|(_, l, m)| (*l, m.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                7,
                "Microsoft.ContainerService/managedClusters `from-reference`: `properties` not resolved: `[union(reference('net').outputs.base.value, createObject(...` is not evaluated"
            ),
            (
                12,
                "Microsoft.ContainerService/managedClusters `odd`: `properties` not resolved: `[createObject('kubernetesVersion', '1.29', createObject())]` is not evaluated"
            ),
            (
                19,
                "Microsoft.ContainerService/managedClusters `pools`: `agentPoolProfiles` not resolved: `[map(reference('net').outputs.pools.value, lambda('p', cr...` is not evaluated"
            ),
            (
                27,
                "Microsoft.ContainerService/managedClusters `one-pool`: `agentPoolProfiles` not resolved: `[reference('net').outputs.pool.value]` is not evaluated"
            ),
        ]
    );
}

/// Terraform ternaries: a condition known from the variables' values picks its branch (the other
/// is never read); one that is not known is read both ways, and the finding says which it needs.
#[test]
fn terraform_ternaries_pick_or_name_their_branch() {
    let tf = "variable \"env\" {}\nvariable \"gpu\" {\n  default = false\n}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"acl\" {\n  name    = \"acl\"\n  vm_size = var.gpu ? \"Standard_NC6\" : (var.env == \"prod\" ? \"Standard_D4s_v5\" : \"Standard_D2_v3\")\n  os_sku  = \"AzureContainerLinux\"\n}\n";
    let r = lint_bytes(
        &Arc::from("main.tf"),
        tf.as_bytes(),
        Kind::Terraform,
        &Config::default(),
    );
    let got: Vec<(u32, u32, &str, Vec<&str>)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.span.start.line,
                f.span.start.col,
                f.rule,
                f.notes
                    .iter()
                    .filter(|n| n.message.starts_with("only when"))
                    .map(|n| n.message.as_str())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            7,
            81,
            "gen1-vm-size",
            vec![
                "only when `var.env == \"prod\"` is false (not known before deployment; every branch is checked)"
            ]
        )]
    );
    assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
}
