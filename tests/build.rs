//! Tests that need a real service run only in a build that was given one, and without
//! it they are ignored, saying why, rather than passing without testing:
//! `REDIS_URL` set at build time (the PostgreSQL + Redis suite of `.ci/run`) turns on
//! `cfg(clientele_redis)`, and a `postgres` `DATABASE_URL` turns on
//! `cfg(clientele_postgres)`. Node.js on the PATH (it runs the reference
//! implementations the tests check against, such as the Standard Webhooks verifier)
//! turns on `cfg(clientele_node)`.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(clientele_redis)");
    println!("cargo::rustc-check-cfg=cfg(clientele_postgres)");
    println!("cargo::rustc-check-cfg=cfg(clientele_node)");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=REDIS_URL");
    println!("cargo:rerun-if-env-changed=DATABASE_URL");
    if std::env::var_os("REDIS_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=clientele_redis");
    }
    if std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        println!("cargo:rustc-cfg=clientele_postgres");
    }
    let node = std::process::Command::new("node").arg("--version").output();
    if node.is_ok_and(|out| out.status.success()) {
        println!("cargo:rustc-cfg=clientele_node");
    }
}
