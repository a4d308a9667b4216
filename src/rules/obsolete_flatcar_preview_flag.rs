use super::{Hit, Lang, Rule, Severity, Subject};

pub static OBSOLETE_FLATCAR_PREVIEW_FLAG: Rule = Rule {
    name: "obsolete-flatcar-preview-flag",
    severity: Severity::Info,
    summary: r#"Registering the obsolete `AKSFlatcarPreview` feature"#,
    what: r#"Flags `az feature register ... --name AKSFlatcarPreview`."#,
    why: r#"`AKSFlatcarPreview` gated the Flatcar preview; ACL (`AzureContainerLinux`) needs no feature flag (HOST-FACTS: Node pools and clusters)."#,
    fix: r#"drop the `az feature register` step; use `--os-sku AzureContainerLinux` with Azure CLI 2.86.0 or later"#,
    lang: Lang::Shell,
    example: r#"az feature register --namespace Microsoft.ContainerService --name AKSFlatcarPreview
"#,
    use_instead: r#"az feature register --namespace Microsoft.ContainerService --name AKSSomeOtherPreview
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["cli"],
    check,
};

/// The fix: the registration goes (safe: ACL needs none, and the flag does nothing any more).
pub(crate) const DROP: crate::fix::Offer = crate::fix::Offer {
    safety: crate::fix::Safety::Safe,
    title: "remove the obsolete `AKSFlatcarPreview` registration",
};
pub(crate) static FIXES: &[crate::fix::Offer] = &[DROP];

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Cluster { cluster, .. } = subject else {
        return;
    };
    for f in &cluster.features {
        if f.is("AKSFlatcarPreview") {
            out.push(
                f.hit(format!(
                    "feature flag `{}` is obsolete: ACL needs no feature registration",
                    f.text
                ))
                .edit(DROP.remove_command(f, cluster.span)),
            );
        }
    }
}
