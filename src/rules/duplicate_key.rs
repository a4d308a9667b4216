use super::{Hit, Lang, Rule, Severity, Subject};

pub static DUPLICATE_KEY: Rule = Rule {
    name: "duplicate-key",
    severity: Severity::Warning,
    summary: "an ARM template writes a key twice in one object",
    what: "Flags a key written a second time in one object of an ARM template or parameter file. hostlint checks the last value, as ARM does. (In Kubernetes YAML and JSON a duplicate key is an input error, as `kubectl apply` refuses it.)",
    why: "JSON readers keep the last value of a repeated key, so the first one is dead text that a reviewer still reads: a `vmSize` or `osSKU` written twice shows one value and deploys the other.",
    fix: "delete the earlier key, keeping the value you mean to deploy",
    lang: Lang::Json,
    example: r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-09-01",
      "name": "aks",
      "location": "westeurope",
      "location": "northeurope",
      "properties": {}
    }
  ]
}
"#,
    use_instead: r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-09-01",
      "name": "aks",
      "location": "northeurope",
      "properties": {}
    }
  ]
}
"#,
    references: &[
        "https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax",
        "https://www.rfc-editor.org/rfc/rfc8259#section-4",
    ],
    tags: &["input"],
    check,
};

/// Reported by the engine while it reads an ARM template (the tree keeps only the last value).
fn check(_: &Subject<'_>, _: &mut Vec<Hit>) {}
