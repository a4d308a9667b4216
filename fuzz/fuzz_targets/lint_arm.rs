//! ARM templates built from the fuzzer's bytes, through the whole engine: variables and parameters
//! that name each other (fan-out, long chains, cycles, names in another case), copies of them in
//! arrays and objects, nested deployments with their own scopes, and managedClusters and agentPools
//! resources that use them; read as a JSON file and as the object of an AdmissionReview.
//!
//! Arbitrary bytes read as JSON (`lint_json`) almost never form a template whose references
//! resolve; this target always does, so the evaluation budgets are what stands between a few
//! bytes and libFuzzer's -rss_limit_mb and -timeout. The first byte picks raw mode instead: the
//! rest read as JSON, for seeds taken from real templates.
#![no_main]

use hostlint::admission::{Mode, Policy, review};
use hostlint::discover::Kind;
use hostlint::rules::Severity;
use libfuzzer_sys::fuzz_target;

/// The fuzzer's bytes, read one decision at a time (zeros once they run out).
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }
}

const SCALARS: &[&str] = &[
    "\"Standard_D2_v2\"",
    "\"Standard_D4s_v5\"",
    "\"AzureContainerLinux\"",
    "\"Ubuntu\"",
    "\"Linux\"",
    "\"1.30\"",
    "\"NodeImage\"",
    "true",
    "false",
    "null",
    "3",
    "\"[concat('a', 'b')]\"",
    "\"[variables('missing')]\"",
    "\"[ parameters( 'p0' ) ]\"",
];

const KEYS: &[&str] = &[
    "vmSize",
    "osSKU",
    "osType",
    "name",
    "orchestratorVersion",
    "enableFIPS",
    "agentPoolProfiles",
    "properties",
    "securityProfile",
    "enableSecureBoot",
    "a",
    "b",
];

/// A name as ARM reads it: case-insensitive, so sometimes written in another case.
fn name(c: &mut Choices<'_>, prefix: &str, count: usize) -> String {
    let n = format!("{prefix}{}", c.below(count));
    if c.next() % 4 == 0 {
        n.to_uppercase()
    } else {
        n
    }
}

fn value(c: &mut Choices<'_>, vars: usize, params: usize, depth: usize) -> String {
    let pick = if depth > 4 { c.below(3) } else { c.below(6) };
    match pick {
        0 => SCALARS[c.below(SCALARS.len())].to_string(),
        1 => format!("\"[variables('{}')]\"", name(c, "v", vars)),
        2 => format!("\"[parameters('{}')]\"", name(c, "p", params)),
        3 => {
            let n = c.below(5);
            let items: Vec<String> = (0..n).map(|_| value(c, vars, params, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => {
            let n = c.below(5);
            let entries: Vec<String> = (0..n)
                .map(|_| {
                    let k = KEYS[c.below(KEYS.len())];
                    format!("\"{k}\": {}", value(c, vars, params, depth + 1))
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// A template: parameters, variables, and resources that use them (nested deployments recurse).
fn template(c: &mut Choices<'_>, depth: usize) -> String {
    let params = 1 + c.below(6);
    let vars = 1 + c.below(24);
    let p: Vec<String> = (0..params)
        .map(|i| {
            format!(
                "\"p{i}\": {{\"type\": \"string\", \"defaultValue\": {}}}",
                value(c, vars, params, 1)
            )
        })
        .collect();
    let v: Vec<String> = (0..vars)
        .map(|i| format!("\"v{i}\": {}", value(c, vars, params, 0)))
        .collect();
    let mut resources = Vec::new();
    for _ in 0..1 + c.below(4) {
        let r = match c.below(4) {
            0 => format!(
                "{{\"type\": \"Microsoft.ContainerService/managedClusters/agentPools\", \"name\": {}, \"properties\": {}}}",
                value(c, vars, params, 3),
                value(c, vars, params, 1)
            ),
            1 if depth < 3 => format!(
                "{{\"type\": \"Microsoft.Resources/deployments\", \"name\": \"d\", \"properties\": {{\"template\": {}}}}}",
                template(c, depth + 1)
            ),
            _ => format!(
                "{{\"type\": \"Microsoft.ContainerService/managedClusters\", \"name\": {}, \"properties\": {{\"agentPoolProfiles\": [{}, {}], \"kubernetesVersion\": {}}}}}",
                value(c, vars, params, 3),
                value(c, vars, params, 1),
                value(c, vars, params, 1),
                value(c, vars, params, 3)
            ),
        };
        resources.push(r);
    }
    format!(
        "{{\"parameters\": {{{}}}, \"variables\": {{{}}}, \"resources\": [{}]}}",
        p.join(", "),
        v.join(", "),
        resources.join(", ")
    )
}

fuzz_target!(|data: &[u8]| {
    let mut c = Choices(data);
    let text = if c.next() == 0xFF {
        String::from_utf8_lossy(c.0).into_owned()
    } else {
        template(&mut c, 0)
    };
    hostlint::fuzz_one(text.as_bytes(), Kind::Json);
    let body = format!(
        "{{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {{\"uid\": \"u\", \"operation\": \"CREATE\", \"object\": {text}}}}}"
    );
    let config = hostlint::Config::default();
    let policy = Policy {
        mode: Mode::Deny,
        fail_on: Some(Severity::Warning),
    };
    if let Ok(r) = review(body.as_bytes(), &config, &policy) {
        assert_eq!(r.response["response"]["uid"], "u");
    }
});
