use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};

pub static CONTAINER_RUNTIME_SOCKET: Rule = Rule {
    name: "container-runtime-socket",
    severity: Severity::Warning,
    summary: "A hostPath to the Docker socket, which ACL nodes do not have",
    what: "Flags a hostPath volume whose host path is `docker.sock` (`/var/run/docker.sock`, `/run/docker.sock`) or \
the retired `dockershim.sock`. Not when the same container also mounts containerd's socket: it probes for the \
runtime it finds.",
    why: "Azure Container Linux runs containerd only; Docker is not installed (HOST-FACTS: The host). Whatever talks \
to the Docker socket finds nothing there: with `type: Socket` the pod does not start, without a type the kubelet \
creates an empty directory in its place.",
    fix: "talk to containerd through `/run/containerd/containerd.sock` (CRI), or drop the dependency on the runtime socket",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example.com/agent:1.0
      volumeMounts:
        - name: docker
          mountPath: /var/run/docker.sock
  volumes:
    - name: docker
      hostPath:
        path: /var/run/docker.sock
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: example.com/agent:1.0
      volumeMounts:
        - name: containerd
          mountPath: /run/containerd/containerd.sock
  volumes:
    - name: containerd
      hostPath:
        path: /run/containerd/containerd.sock
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["workload", "runtime"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    // A host with Docker has the socket (profile fact `docker`).
    if subject.profile().flag("docker") {
        return;
    }
    for (pod, c, m, hp, v) in host_mounts(pods) {
        let file = hp.rsplit('/').next().unwrap_or("");
        if !(file == "docker.sock" || file == "dockershim.sock") {
            continue;
        }
        // Mounting containerd's socket beside it: the container probes for whichever runtime is there.
        let probes = c.mounts.iter().any(|o| {
            pod.host_path_of(o).is_some_and(|(p, _)| {
                p.ends_with("/containerd.sock")
                    || p == "/run/containerd"
                    || p == "/var/run/containerd"
            })
        });
        if probes {
            continue;
        }
        let msg = format!("hostPath `{hp}` is the Docker socket; the node runs containerd only");
        out.push(host_path_hit(v, m, c, msg));
    }
}
