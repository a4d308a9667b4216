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

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Cluster { cluster, .. } = subject else {
        return;
    };
    for f in &cluster.features {
        if f.is("AKSFlatcarPreview") {
            out.push(f.hit(format!(
                "feature flag `{}` is obsolete: ACL needs no feature registration",
                f.text
            )));
        }
    }
}
