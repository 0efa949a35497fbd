//! The README, SECURITY.md and the manual in `docs/`: every relative link names a file of
//! the repository, and every `#anchor` a heading of its target by GitHub's slug rules.
//! Links to other sites are not followed; code (fenced or inline) is not read for links.
//! Not understood, as none of ours use them: link targets with spaces or parentheses,
//! setext (underlined) headings, indented code blocks, HTML anchors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().expect("the repository root")
}

/// README.md, SECURITY.md, then docs/*.md.
fn documents(root: &Path) -> Vec<PathBuf> {
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/");
    let docs = docs.map(|entry| entry.expect("a file of docs/").path());
    let mut pages: Vec<PathBuf> = docs
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    [root.join("README.md"), root.join("SECURITY.md")]
        .into_iter()
        .chain(pages)
        .collect()
}

/// A fence line (three or more backticks or tildes): its character and length.
fn fence(line: &str) -> Option<(char, usize)> {
    let line = line.trim_start();
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = line.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// The text with fenced code blocks blanked, line for line.
fn prose(text: &str) -> String {
    let mut open: Option<(char, usize)> = None;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let closes = |(c, n): (char, usize)| {
            let plain = line.trim().chars().all(|x| x == c);
            plain && fence(line).is_some_and(|(c2, n2)| c2 == c && n2 >= n)
        };
        match open {
            Some(f) if closes(f) => open = None,
            Some(_) => {}
            None if fence(line).is_some() => open = fence(line),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The text without inline code: a run of backticks up to the next run of as many, in
/// the same paragraph (a span may cross a line break, not a blank line).
fn without_code_spans(text: &str) -> String {
    let run = |at: usize| text[at..].bytes().take_while(|b| *b == b'`').count();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while let Some(start) = text[i..].find('`').map(|k| i + k) {
        out.push_str(&text[i..start]);
        let n = run(start);
        i = start + n;
        let mut j = i;
        while let Some(s) = text[j..].find('`').map(|k| j + k) {
            if run(s) == n {
                if !text[i..s].contains("\n\n") {
                    i = s + n;
                }
                break;
            }
            j = s + run(s);
        }
    }
    out + &text[i..]
}

/// Targets of inline links and images (`[text](target "title")`) and of reference
/// definitions (`[label]: target` at the start of a line).
fn link_targets(text: &str) -> Vec<&str> {
    let inline = text.split("](").skip(1);
    let inline = inline.map(|after| after.split([')', ' ', '\n']).next().unwrap_or(""));
    let definitions = text.lines().filter_map(|line| {
        let (label, target) = line.trim_start().strip_prefix('[')?.split_once("]: ")?;
        target
            .split_whitespace()
            .next()
            .filter(|_| !label.contains(']'))
    });
    inline.chain(definitions).collect()
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_`
/// dropped, each space a `-`.
fn slug(heading: &str) -> String {
    let kept = |c: &char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_');
    let dashed = |c: char| if c == ' ' { '-' } else { c };
    heading
        .to_lowercase()
        .chars()
        .filter(kept)
        .map(dashed)
        .collect()
}

/// Every anchor a Markdown text offers, in order; a repeated slug gets `-1`, `-2`, …
fn anchors(text: &str) -> Vec<String> {
    let (mut seen, mut anchors) = (HashMap::new(), Vec::new());
    for line in prose(text)
        .lines()
        .filter(|l| l.len() - l.trim_start().len() <= 3)
    {
        let hashes = line.trim_start().chars().take_while(|c| *c == '#').count();
        let rest = &line.trim_start()[hashes..];
        if (1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
            let slug = slug(rest.trim().trim_end_matches('#').trim());
            let n: &mut usize = seen.entry(slug.clone()).or_default();
            anchors.push(if *n == 0 { slug } else { format!("{slug}-{n}") });
            *n += 1;
        }
    }
    anchors
}

/// The links of `text` (the content of `file`) that do not resolve, one line each.
fn broken_links(file: &Path, text: &str, root: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    for target in link_targets(&without_code_spans(&prose(text))) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
        let resolved = match path {
            "" => Some(file.to_path_buf()),
            _ => file.parent().unwrap_or(root).join(path).canonicalize().ok(),
        };
        let markdown = match resolved.filter(|p| p.starts_with(root)) {
            None => {
                broken.push(format!(
                    "{}: ({target}): no such file in the repository",
                    file.display()
                ));
                continue;
            }
            Some(p) if anchor.is_empty() || p.extension().is_none_or(|e| e != "md") => continue,
            Some(_) if path.is_empty() => text.to_string(),
            Some(p) => std::fs::read_to_string(p).unwrap_or_default(),
        };
        if !anchors(&markdown).iter().any(|a| a == anchor) {
            broken.push(format!("{}: ({target}): no such heading", file.display()));
        }
    }
    broken
}

#[test]
fn every_relative_link_and_anchor_in_the_readme_security_and_docs_resolves() {
    let root = repository();
    let (mut broken, mut links) = (Vec::new(), 0);
    for file in documents(&root) {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        links += link_targets(&without_code_spans(&prose(&text))).len();
        broken.extend(broken_links(&file, &text, &root));
    }
    assert!(
        links > 20,
        "only {links} links found: is the scanner reading the files?"
    );
    assert!(
        broken.is_empty(),
        "links that do not resolve:\n{}",
        broken.join("\n")
    );
}

#[test]
fn slugs_follow_githubs_rules() {
    assert_eq!(slug("The API at a glance"), "the-api-at-a-glance");
    assert_eq!(slug("PostgreSQL (and Redis)"), "postgresql-and-redis");
    assert_eq!(
        slug("The `clientele` binary: what it does?"),
        "the-clientele-binary-what-it-does"
    );
    assert_eq!(
        slug("snake_case and kebab-case, 2 × 3"),
        "snake_case-and-kebab-case-2--3"
    );
    let text = "# A\n## A\n```\n# A\n```\n#hashtag\n    # indented code\n### A ###\n## B";
    assert_eq!(anchors(text), ["a", "a-1", "a-2", "b"]);
}

#[test]
fn code_and_other_sites_are_not_read_as_links() {
    let text = "```sh\n[x](missing.md)\n```\n`[x](missing.md)` and ``a ` [x](missing.md)``\n\
                `spans cross\na line [x](missing.md)` [site](https://example.com/x.md) \
                [mail](mailto:a@example.com) [`schema`](../schema.graphql)\n";
    let root = repository();
    let file = root.join("docs/virtual.md");
    assert_eq!(link_targets(&without_code_spans(&prose(text))).len(), 3);
    assert!(broken_links(&file, text, &root).is_empty());
}

#[test]
fn a_missing_file_or_heading_is_reported() {
    let root = repository();
    let file = root.join("docs/virtual.md");
    let text = "# Here\n[a](missing.md) [b](api.md#no-such-heading) [c](#nowhere) [d](#here)\n\
                [e](api.md#who-sees-what) ![f](dashboard.png)\n[g]: ../no/such/dir/\n";
    let broken = broken_links(&file, text, &root);
    assert_eq!(broken.len(), 4, "{broken:#?}");
    assert!(broken[0].contains("(missing.md)") && broken[3].contains("(../no/such/dir/)"));
}

/// What a packager reads: the license Cargo declares is in the repository, and every
/// package says the toolchain it needs (an older one then stops with "requires rustc
/// 1.94" instead of an error deep in a dependency).
#[test]
fn the_license_file_and_the_toolchain_are_declared() {
    let root = repository();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT\""));
    let license = std::fs::read_to_string(root.join("LICENSE")).expect("a LICENSE file");
    assert!(license.starts_with("MIT License"), "{license}");
    assert!(manifest.contains("rust-version = \"1.94\""));
    let mut manifests = vec![
        root.join("migration/Cargo.toml"),
        root.join("tests/Cargo.toml"),
    ];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        manifests.push(entry.unwrap().path().join("Cargo.toml"));
    }
    for path in manifests {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("rust-version.workspace = true"),
            "{} does not declare its toolchain",
            path.display()
        );
    }
}
