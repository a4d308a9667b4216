use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::FLATCAR_OS_SKU;
use crate::model::scheduling::{SkuConstraint, SkuOp, sku_constraints};

pub static OS_SKU_PINNED: Rule = Rule {
    name: "os-sku-pinned",
    severity: Severity::Warning,
    summary: "A pod pinned to an OS SKU that excludes AzureContainerLinux",
    what: "Flags a `nodeSelector` on `kubernetes.azure.com/os-sku` with another value than `AzureContainerLinux`, \
and required node affinity on that label that excludes `AzureContainerLinux` in every term (`In` without it, \
`NotIn` with it, `DoesNotExist`). Preferred affinity only weighs nodes and is never flagged.",
    why: "AKS labels ACL nodes `kubernetes.azure.com/os-sku: AzureContainerLinux` (HOST-FACTS: Node pools and \
clusters). A pod that requires `Ubuntu` or `AzureLinux` stays Pending once its pools move to ACL.",
    fix: "allow `AzureContainerLinux` in the selector (`operator: In` with both values during a migration), or drop the OS SKU constraint",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: pinned
spec:
  nodeSelector:
    kubernetes.azure.com/os-sku: Ubuntu
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: pinned
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions:
              - key: kubernetes.azure.com/os-sku
                operator: In
                values: [Ubuntu, AzureContainerLinux]
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &["https://learn.microsoft.com/azure/aks/use-labels"],
    tags: &["workload", "scheduling"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    // The label value the target host's nodes carry (profile fact `os_sku_label`).
    let target = subject.profile().text("os_sku_label");
    for pod in pods.iter() {
        let all = sku_constraints(pod);
        let required: Vec<&SkuConstraint<'_>> = all.iter().filter(|c| c.required).collect();
        // nodeSelector: always ANDed with everything else.
        for c in required.iter().filter(|c| c.term.is_none()) {
            report(c, target, out);
        }
        // Required affinity terms are ORed: a finding only when every term excludes ACL.
        let terms: Vec<usize> = {
            let mut t: Vec<usize> = required.iter().filter_map(|c| c.term).collect();
            t.dedup();
            t
        };
        let n_terms = pod
            .node
            .at(&[
                "affinity",
                "nodeAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ])
            .and_then(|t| t.as_seq())
            .map_or(0, <[_]>::len);
        let every_term_excludes = n_terms > 0
            && (0..n_terms).all(|i| {
                terms.contains(&i)
                    && required
                        .iter()
                        .any(|c| c.term == Some(i) && !c.admits(target))
            });
        if every_term_excludes {
            for c in required.iter().filter(|c| c.term.is_some()) {
                report(c, target, out);
            }
        }
    }
}

fn report(c: &SkuConstraint<'_>, target: &str, out: &mut Vec<Hit>) {
    if c.admits(target) {
        return;
    }
    // Selecting only Flatcar is flatcar-os-sku's finding.
    let only_flatcar = matches!(c.op, SkuOp::In)
        && !c.values.is_empty()
        && c.values
            .iter()
            .all(|(_, _, v)| v.eq_ignore_ascii_case(FLATCAR_OS_SKU));
    if only_flatcar {
        return;
    }
    match c.op {
        SkuOp::In => {
            let (node, path, _) = &c
                .values
                .first()
                .map_or((c.node, c.path.clone(), ""), |(n, p, v)| {
                    (*n, p.clone(), *v)
                });
            let list: Vec<&str> = c.values.iter().map(|(_, _, v)| *v).collect();
            out.push(Hit::at(
                node,
                path.clone(),
                format!(
                    "pod requires OS SKU `{}`, which excludes `{target}`",
                    list.join("`, `")
                ),
            ));
        }
        SkuOp::NotIn => {
            if let Some((node, path, v)) = c
                .values
                .iter()
                .find(|(_, _, v)| v.eq_ignore_ascii_case(target))
            {
                out.push(Hit::at(
                    node,
                    path.clone(),
                    format!("pod excludes OS SKU `{v}`"),
                ));
            }
        }
        _ => out.push(Hit::at(
            c.node,
            c.path.clone(),
            format!(
                "pod requires nodes without the `{}` label, which excludes `{target}`",
                crate::host::OS_SKU_LABEL
            ),
        )),
    }
}
