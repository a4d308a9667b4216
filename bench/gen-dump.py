#!/usr/bin/env python3
"""A `kubectl get deploy,rs,ds,sts,cronjob,job,pod -A -o yaml` dump of a made-up cluster, for
bench/report.sh: Deployments with their ReplicaSets and Pods, DaemonSets, StatefulSets and
CronJob -> Job -> Pod chains, all linked by ownerReferences and uids, with status and managedFields as
the API server returns them; kube-system and addon-manager objects; about one app in ten does
something ACL refuses (AppArmor, a writable /usr hostPath from a CNI installer image, the Docker socket).

usage: gen-dump.py OUT.yaml [--mb 50] [--list-mb N]
  --list-mb N  start a new `kind: List` document every N MB (`---` between them), as a dump taken
               namespace by namespace (`kubectl get -n NS -o yaml` per namespace) looks; by default
               the whole dump is one List, as `kubectl get -A -o yaml` writes it
"""
import argparse
import hashlib

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def gen(seed, n):
    h = hashlib.sha256(seed.encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in h[:n])


def uid(seed):
    h = hashlib.sha256(("uid" + seed).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def meta(kind, ns, name, labels, owner=None, extra_labels=None):
    lines = [
        "  metadata:",
        "    annotations:",
        f"      kubectl.kubernetes.io/restartedAt: \"2026-11-0{len(name) % 9 + 1}T10:00:00Z\"",
        "    creationTimestamp: \"2026-11-01T09:00:00Z\"",
        "    generation: 3",
        "    labels:",
    ]
    for k, v in {**labels, **(extra_labels or {})}.items():
        lines.append(f"      {k}: {v}")
    lines += [
        "    managedFields:",
        "    - apiVersion: apps/v1",
        "      fieldsType: FieldsV1",
        "      fieldsV1:",
        "        f:metadata:",
        "          f:labels:",
        "            .: {}",
        "            f:app: {}",
        "        f:spec:",
        "          f:template:",
        "            f:spec:",
        "              f:containers:",
        "                k:{\"name\":\"app\"}:",
        "                  .: {}",
        "                  f:image: {}",
        "                  f:imagePullPolicy: {}",
        "      manager: kubectl-client-side-apply",
        "      operation: Update",
        "      time: \"2026-11-01T09:00:00Z\"",
        f"    name: {name}",
        f"    namespace: {ns}",
    ]
    if owner:
        okind, oname, ouid = owner
        api = "batch/v1" if okind in ("Job", "CronJob") else "apps/v1"
        lines += [
            "    ownerReferences:",
            f"    - apiVersion: {api}",
            "      blockOwnerDeletion: true",
            "      controller: true",
            f"      kind: {okind}",
            f"      name: {oname}",
            f"      uid: {ouid}",
        ]
    lines += ["    resourceVersion: \"123456\"", f"    uid: {uid(kind + ns + name)}"]
    return lines


def pod_spec(indent, app, bad):
    p = " " * indent
    lines = [
        f"{p}containers:",
        f"{p}- image: registry.example/{app}:1.{len(app)}",
        f"{p}  imagePullPolicy: IfNotPresent",
        f"{p}  name: app",
        f"{p}  ports:",
        f"{p}  - containerPort: 8080",
        f"{p}    protocol: TCP",
        f"{p}  resources:",
        f"{p}    limits: {{cpu: 500m, memory: 256Mi}}",
        f"{p}    requests: {{cpu: 100m, memory: 128Mi}}",
        f"{p}  terminationMessagePath: /dev/termination-log",
        f"{p}  volumeMounts:",
        f"{p}  - mountPath: /var/run/secrets/kubernetes.io/serviceaccount",
        f"{p}    name: kube-api-access",
        f"{p}    readOnly: true",
    ]
    if bad == "apparmor":
        lines += [f"{p}  securityContext:", f"{p}    appArmorProfile:", f"{p}      type: RuntimeDefault"]
    if bad == "usr":
        lines[1] = f"{p}- image: calico/cni:v3.28.0"
        lines += [f"{p}  - mountPath: /host/usr/libexec/kubernetes/kubelet-plugins", f"{p}    name: flexvol"]
    if bad == "docker":
        lines += [f"{p}  - mountPath: /var/run/docker.sock", f"{p}    name: docker"]
    lines += [
        f"{p}dnsPolicy: ClusterFirst",
        f"{p}restartPolicy: Always",
        f"{p}schedulerName: default-scheduler",
        f"{p}serviceAccountName: {app}",
        f"{p}terminationGracePeriodSeconds: 30",
        f"{p}volumes:",
        f"{p}- name: kube-api-access",
        f"{p}  projected:",
        f"{p}    defaultMode: 420",
        f"{p}    sources:",
        f"{p}    - serviceAccountToken:",
        f"{p}        expirationSeconds: 3607",
        f"{p}        path: token",
    ]
    if bad == "usr":
        lines += [f"{p}- hostPath:", f"{p}    path: /usr/libexec/kubernetes/kubelet-plugins/volume/exec", f"{p}  name: flexvol"]
    if bad == "docker":
        lines += [f"{p}- hostPath:", f"{p}    path: /var/run/docker.sock", f"{p}    type: Socket", f"{p}  name: docker"]
    return lines


def status_pod():
    return [
        "  status:",
        "    conditions:",
        "    - lastTransitionTime: \"2026-11-01T09:00:05Z\"",
        "      status: \"True\"",
        "      type: Ready",
        "    containerStatuses:",
        "    - containerID: containerd://" + "ab" * 32,
        "      image: registry.example/app:1",
        "      imageID: registry.example/app@sha256:" + "cd" * 32,
        "      name: app",
        "      ready: true",
        "      restartCount: 0",
        "      started: true",
        "    hostIP: 10.224.0.4",
        "    phase: Running",
        "    podIP: 10.244.1.17",
        "    qosClass: Burstable",
        "    startTime: \"2026-11-01T09:00:01Z\"",
    ]


def template(app, bad, labels):
    out = ["    template:", "      metadata:", "        labels:"]
    out += [f"          {k}: {v}" for k, v in labels.items()]
    out += ["      spec:"] + pod_spec(8, app, bad)
    return out


def objects(i):
    """One app: its controller and everything it owns, as List items."""
    ns = f"team-{i % 97:02d}" if i % 41 else "kube-system"
    extra = {"addonmanager.kubernetes.io/mode": "Reconcile"} if i % 53 == 0 else None
    bad = {3: "apparmor", 5: "usr", 7: "docker"}.get(i % 10)
    app = f"svc-{i:05d}"
    kind = ["Deployment", "Deployment", "Deployment", "DaemonSet", "StatefulSet", "CronJob"][i % 6]
    labels = {"app": app}
    out = []
    top = (kind, app, uid(kind + ns + app))

    def item(api, kind_, name, owner, spec, status, lab=None):
        lines = [f"- apiVersion: {api}", f"  kind: {kind_}"] + meta(kind_, ns, name, lab or labels, owner, extra)
        out.append("\n".join(lines + ["  spec:"] + spec + status))

    def pod(name, owner, lab=None):
        item("v1", "Pod", name, owner, pod_spec(4, app, bad) + ["    nodeName: aks-nodepool1-12345678-vmss000001"], status_pod(), lab)

    if kind == "Deployment":
        h = gen(app, 10)
        rs_labels = {**labels, "pod-template-hash": h}
        item("apps/v1", "Deployment", app, None, ["    replicas: 3", "    selector:", "      matchLabels:", f"        app: {app}"] + template(app, bad, labels), ["  status:", "    availableReplicas: 3", "    readyReplicas: 3"])
        rs = ("ReplicaSet", f"{app}-{h}", uid("ReplicaSet" + ns + f"{app}-{h}"))
        item("apps/v1", "ReplicaSet", f"{app}-{h}", top, ["    replicas: 3"] + template(app, bad, rs_labels), ["  status:", "    readyReplicas: 3", "    replicas: 3"], rs_labels)
        for r in range(3):
            pod(f"{app}-{h}-{gen(app + str(r), 5)}", rs, rs_labels)
    elif kind == "DaemonSet":
        item("apps/v1", "DaemonSet", app, None, ["    selector:", "      matchLabels:", f"        app: {app}"] + template(app, bad, labels), ["  status:", "    numberReady: 3"])
        for r in range(3):
            pod(f"{app}-{gen(app + str(r), 5)}", top)
    elif kind == "StatefulSet":
        item("apps/v1", "StatefulSet", app, None, ["    replicas: 2", f"    serviceName: {app}"] + template(app, bad, labels), ["  status:", "    readyReplicas: 2"])
        for r in range(2):
            pod(f"{app}-{r}", top)
    else:
        item("batch/v1", "CronJob", app, None, ["    schedule: \"0 3 * * *\"", "    jobTemplate:", "      spec:"] + ["    " + l for l in template(app, bad, labels)], ["  status: {}"])
        job = f"{app}-29{i:06d}"
        jt = ("Job", job, uid("Job" + ns + job))
        item("batch/v1", "Job", job, top, ["    backoffLimit: 6"] + template(app, bad, labels), ["  status:", "    succeeded: 1"])
        pod(f"{job}-{gen(job, 5)}", jt)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--list-mb", type=float, default=0)
    a = ap.parse_args()
    limit = int(a.mb * 1_000_000)
    per_list = int(a.list_mb * 1_000_000) or limit + 1
    size = 0
    with open(a.out, "w") as f:
        head = "apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n"
        f.write(head)
        size += len(head)
        i = 0
        list_start = 0
        while size < limit:
            if size - list_start >= per_list:
                f.write("---\n" + head)
                size += 4 + len(head)
                list_start = size
            for o in objects(i):
                f.write(o + "\n")
                size += len(o) + 1
            i += 1
    print(f"{a.out}: {size / 1e6:.1f} MB, {i} apps")


if __name__ == "__main__":
    main()
