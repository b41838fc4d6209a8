//! A Kubernetes Indexed Job (`batch/v1`) that runs a sweep as N shards, one pod per shard.
//!
//! In `completionMode: Indexed` the Job controller gives each pod a completion index from 0 to
//! `completions - 1` in the annotation `batch.kubernetes.io/job-completion-index`. The manifest
//! maps that annotation into the environment variable `JOB_COMPLETION_INDEX` (current
//! Kubernetes releases set it too), and the container's arguments refer to it as
//! `$(JOB_COMPLETION_INDEX)`, which the kubelet expands. Each pod writes its shard to
//! `/results/shard-INDEX` on a shared PersistentVolumeClaim.

use std::fmt::Write as _;

/// Mount path of the results volume in the container.
pub const RESULTS_MOUNT: &str = "/results";

/// Kubernetes' limit on the completions of an Indexed Job (`spec.completions`), 10^5.
pub const MAX_SHARDS: usize = 100_000;

/// Settings of the Job manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// `metadata.name`, a DNS label.
    pub name: String,
    pub image: String,
    /// Name of the PersistentVolumeClaim mounted at [`RESULTS_MOUNT`].
    pub results_pvc: String,
    pub shards: usize,
    /// Arguments of `burstplane` before the shard and output flags, such as `sweep
    /// --scenario S ...`.
    pub sweep_args: Vec<String>,
}

/// A manifest setting that Kubernetes would reject.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobSpecError {
    #[error("invalid {flag} {value:?}: expected {expected}")]
    Name {
        flag: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "invalid --image {value:?}: expected an image reference such as \
         registry.example.com:5000/team/burstplane:1.0 (lowercase path, optional tag and \
         @sha256 digest)"
    )]
    Image { value: String },
    #[error("invalid --shards {value}: expected 1 to {MAX_SHARDS}")]
    Shards { value: usize },
}

/// A DNS label as RFC 1123 defines it and Kubernetes checks it for Job names.
const LABEL_RULE: &str = "at most 63 lowercase letters, digits and `-`, starting and ending \
                          with a letter or digit";

/// A DNS subdomain as RFC 1123 defines it and Kubernetes checks it for claim names.
const SUBDOMAIN_RULE: &str = "at most 253 lowercase letters, digits, `-` and `.`, starting \
                              and ending with a letter or digit";

fn is_dns_name(name: &str, max_len: usize, dots: bool) -> bool {
    let bytes = name.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= max_len
        && alphanumeric(&bytes[0])
        && alphanumeric(&bytes[bytes.len() - 1])
        && bytes
            .iter()
            .all(|b| alphanumeric(b) || *b == b'-' || (dots && *b == b'.'))
}

/// Checks an image reference against the grammar of the Go package
/// github.com/distribution/reference (v0.5.0): `[host[:port]/]path[:tag][@algorithm:hex]`.
///
/// The first `/`-separated part is taken as the registry host when it contains `.` or `:` or
/// is `localhost`. Path parts are lowercase letters and digits joined by `.`, `_`, `__` or runs
/// of `-`. IPv4 hosts pass as dotted names; IPv6 hosts in brackets are not accepted.
fn is_image_reference(image: &str) -> bool {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if digest.is_some_and(|digest| !is_digest(digest)) {
        return false;
    }
    // A `:` after the last `/` starts the tag; one before it belongs to the registry port.
    let last_part = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_part..].find(':') {
        Some(i) => (&rest[..last_part + i], Some(&rest[last_part + i + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|tag| !is_tag(tag)) || name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut parts = name.split('/').peekable();
    let first = parts.peek().copied().unwrap_or_default();
    let has_host =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        parts.next();
        if !is_registry_host(first) {
            return false;
        }
    }
    parts.all(is_path_component)
}

fn is_registry_host(host: &str) -> bool {
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let label = |part: &str| {
        let bytes = part.as_bytes();
        !bytes.is_empty()
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    };
    let port_ok =
        port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    port_ok && name.split('.').all(label)
}

fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alphanumeric(bytes[0]) || !alphanumeric(bytes[bytes.len() - 1]) {
        return false;
    }
    // Between runs of letters and digits: one `.`, one `_`, `__`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if alphanumeric(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alphanumeric(bytes[i]) {
            i += 1;
        }
        let separator = &part[start..i];
        let valid = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|part| {
        let bytes = part.as_bytes();
        !bytes.is_empty()
            && bytes[0].is_ascii_alphabetic()
            && bytes.iter().all(u8::is_ascii_alphanumeric)
    });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes `text` as a YAML double-quoted scalar. `"` and `\` are escaped, and so is, as
/// `\uXXXX`, every control character (a raw line break in a quoted scalar would be folded
/// into a space), every C1 control, U+FEFF and the noncharacters U+FFFE and U+FFFF.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{20}'..='\u{7e}' => out.push(c),
            '\u{0}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

impl JobSpec {
    /// Checks the names, the image and the shard count against Kubernetes' rules.
    ///
    /// # Errors
    /// [`JobSpecError`] naming the value and the rule.
    pub fn check(&self) -> Result<(), JobSpecError> {
        if !is_dns_name(&self.name, 63, false) {
            return Err(JobSpecError::Name {
                flag: "--job-name",
                value: self.name.clone(),
                expected: LABEL_RULE,
            });
        }
        if !is_dns_name(&self.results_pvc, 253, true) {
            return Err(JobSpecError::Name {
                flag: "--results-pvc",
                value: self.results_pvc.clone(),
                expected: SUBDOMAIN_RULE,
            });
        }
        if !is_image_reference(&self.image) {
            return Err(JobSpecError::Image {
                value: self.image.clone(),
            });
        }
        if self.shards == 0 || self.shards > MAX_SHARDS {
            return Err(JobSpecError::Shards { value: self.shards });
        }
        Ok(())
    }

    /// Builds the container's arguments: the sweep's own, then this pod's shard and output folder.
    pub fn container_args(&self) -> Vec<String> {
        // The kubelet expands `$(NAME)` in arguments and turns `$$` into `$`, so a `$` the
        // user wrote is doubled to reach burstplane unchanged.
        let mut args: Vec<String> = self
            .sweep_args
            .iter()
            .map(|arg| arg.replace('$', "$$"))
            .collect();
        args.extend([
            "--shard".to_string(),
            format!("$(JOB_COMPLETION_INDEX)/{}", self.shards),
            "-o".to_string(),
            format!("{RESULTS_MOUNT}/shard-$(JOB_COMPLETION_INDEX)"),
        ]);
        args
    }

    /// Renders the Job as YAML, every string a double-quoted scalar.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        let mut line = |indent: usize, text: &str| {
            let _ = writeln!(out, "{:indent$}{text}", "");
        };
        line(
            0,
            "# An Indexed Job written by `burstplane sweep --emit-k8s-job`: one pod per",
        );
        line(
            0,
            "# shard, each writing results/shard-INDEX on the claim below. Merge the",
        );
        line(0, "# shard folders once every pod has succeeded.");

        line(0, "apiVersion: batch/v1");
        line(0, "kind: Job");
        line(0, "metadata:");
        line(2, &format!("name: {}", quote(&self.name)));
        line(2, "labels:");
        line(4, "app.kubernetes.io/name: \"burstplane\"");
        line(4, "app.kubernetes.io/component: \"sweep\"");

        line(0, "spec:");
        line(2, "completionMode: Indexed");
        line(2, &format!("completions: {}", self.shards));
        line(2, &format!("parallelism: {}", self.shards));

        line(2, "template:");
        line(4, "metadata:");
        line(6, "labels:");
        line(8, "app.kubernetes.io/name: \"burstplane\"");
        line(8, "app.kubernetes.io/component: \"sweep\"");
        line(4, "spec:");
        // A Job's pods must not restart in place; a failed shard is retried as a new pod.
        line(6, "restartPolicy: Never");

        line(6, "containers:");
        line(8, "- name: \"sweep\"");
        line(10, &format!("image: {}", quote(&self.image)));
        line(10, "command: [\"burstplane\"]");
        line(10, "args:");
        for arg in self.container_args() {
            line(12, &format!("- {}", quote(&arg)));
        }

        line(10, "env:");
        line(12, "- name: \"JOB_COMPLETION_INDEX\"");
        line(14, "valueFrom:");
        line(16, "fieldRef:");
        line(
            18,
            "fieldPath: \"metadata.annotations['batch.kubernetes.io/job-completion-index']\"",
        );

        line(10, "volumeMounts:");
        line(12, "- name: \"results\"");
        line(14, &format!("mountPath: {}", quote(RESULTS_MOUNT)));

        line(6, "volumes:");
        line(8, "- name: \"results\"");
        line(10, "persistentVolumeClaim:");
        line(12, &format!("claimName: {}", quote(&self.results_pvc)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> JobSpec {
        JobSpec {
            name: "burstplane-sweep".into(),
            image: "burstplane:latest".into(),
            results_pvc: "burstplane-results".into(),
            shards: 4,
            sweep_args: vec!["sweep".into(), "--vary".into(), "data.home=a$b".into()],
        }
    }

    #[test]
    fn yaml_has_the_indexed_fields() {
        let yaml = spec().to_yaml();
        assert!(yaml.contains("\n  completionMode: Indexed\n"), "{yaml}");
        assert!(yaml.contains("\n  completions: 4\n"), "{yaml}");
        assert!(yaml.contains("\n  parallelism: 4\n"), "{yaml}");
        assert!(yaml.contains("- \"$(JOB_COMPLETION_INDEX)/4\""), "{yaml}");
        assert!(
            yaml.contains("- \"/results/shard-$(JOB_COMPLETION_INDEX)\""),
            "{yaml}"
        );
        assert!(yaml.contains("claimName: \"burstplane-results\""), "{yaml}");
        // A `$` of the user's arguments is escaped for the kubelet.
        assert!(yaml.contains("- \"data.home=a$$b\""), "{yaml}");
    }

    #[test]
    fn quote_escapes_for_yaml() {
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("say \"hi\" \\ bye"), "\"say \\\"hi\\\" \\\\ bye\"");
        assert_eq!(quote("line\nbreak\u{85}"), "\"line\\u000abreak\\u0085\"");
        assert_eq!(quote("grüße"), "\"grüße\"");
    }

    #[test]
    fn image_references_follow_the_distribution_grammar() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let valid = [
            "burstplane".to_string(),
            "burstplane:0.1.0".into(),
            "team/burstplane".into(),
            "localhost/burstplane".into(),
            "localhost:5000/burstplane:dev".into(),
            "registry.example.com/ml-tools/burst_plane__x:v1.2-rc.3".into(),
            "registry.example.com:443/a/b/c".into(),
            "a--b".into(),
            format!("burstplane@{digest}"),
            format!("burstplane:1@{digest}"),
        ];
        for image in &valid {
            assert!(is_image_reference(image), "{image:?} should be valid");
        }
        let invalid = [
            "",
            "Burstplane",
            "team/Burstplane",
            "burstplane:",
            "burstplane:-tag",
            "burstplane:a b",
            "burstplane@sha256:abc",
            "burstplane@:",
            "/burstplane",
            "team//burstplane",
            "burstplane-",
            "a...b",
            "a_-b",
            "registry.example.com:port/x",
            "-registry.example.com/x",
        ];
        for image in invalid {
            assert!(!is_image_reference(image), "{image:?} should be invalid");
        }
        assert!(!is_image_reference(&format!("x:{}", "t".repeat(129))));
    }

    #[test]
    fn check_rejects_invalid_names() {
        assert_eq!(spec().check(), Ok(()));
        for name in ["", "Sweep", "-a", "a-", "a.b", &"a".repeat(64)] {
            let mut bad = spec();
            bad.name = name.to_string();
            assert!(bad.check().is_err(), "{name:?}");
        }
        let mut bad = spec();
        bad.results_pvc = "Results".into();
        assert!(bad.check().is_err());
        let mut bad = spec();
        bad.image = "a b".into();
        assert!(bad.check().is_err());
        let mut bad = spec();
        bad.image = "Burstplane:latest".into();
        assert!(bad.check().is_err());
        let mut bad = spec();
        bad.shards = 0;
        assert!(bad.check().is_err());
    }
}
