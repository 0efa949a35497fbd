//! Tests that need Redis run only in a build that was given one: `REDIS_URL` set at
//! build time (the PostgreSQL + Redis suite of `.ci/run`) turns on `cfg(clientele_redis)`,
//! and without it they are ignored, saying why, rather than passing without testing.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(clientele_redis)");
    println!("cargo:rerun-if-env-changed=REDIS_URL");
    if std::env::var_os("REDIS_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=clientele_redis");
    }
}
