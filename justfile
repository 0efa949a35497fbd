# clientele's everyday tasks. `cargo install just --locked` to get `just`;
# every recipe is a plain cargo command you can run without it.

pg_url := env_var_or_default("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
redis_url := env_var_or_default("REDIS_URL_TEST", "redis://127.0.0.1:6379")

# Run the server on the embedded default (SQLite file, .eml mail)
run:
    cargo run

# Run every test on the embedded default
test:
    cargo test --workspace

# Run every test against PostgreSQL and Redis
test-pg:
    DATABASE_URL={{pg_url}} REDIS_URL={{redis_url}} cargo test --workspace

# What CI runs: both of the above, failing if PostgreSQL or Redis is unreachable
ci:
    bash .ci/run

# SQLite, then PostgreSQL (PG_URL; a fresh database, dropped after) with Redis
# (REDIS_URL). Arguments pass through: just bench --seconds 20 --only postgres
# The benchmark harness (release builds): one table, also as target/bench/bench.json
bench *ARGS:
    cargo build --release -p clientele -p clientele-examples --bins --examples
    cargo run -q --release -p clientele-examples --example bench -- {{ARGS}}

# Login latency and throughput alone (in-process server, SQLite)
bench-login:
    cargo run --release -p clientele-examples --example login_latency -- 200 16

# Webhook deliveries: per second to a local receiver (K E), then change-to-receipt
# latency at 50 changes a second (K E RATE); SQLite, or DATABASE_URL's PostgreSQL
bench-webhooks:
    cargo run --release -p clientele-examples --example webhook_throughput -- 500 4
    cargo run --release -p clientele-examples --example webhook_throughput -- 300 4 50

# The browser test in Debian's Chromium: two live dashboards, what each role sees,
# GraphiQL offline (builds the server and examples/dashboard; screenshots in target/e2e/)
e2e:
    bash tests/e2e/run.sh

# Regenerate schema.graphql from the code
schema:
    cargo build -q && cargo run -q -- schema > schema.graphql

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# The graphql-http audit and the graphql-ws client against a fresh server (needs npm)
audit:
    cargo build -q
    cd examples/protocol_audit && npm install --silent --no-fund --no-audit
    bash -c 'dir=$(mktemp -d); DATABASE_URL="sqlite://$dir/audit.db?mode=rwc" MAIL_DIR=$dir/mail BIND=127.0.0.1:18181 target/debug/clientele & pid=$!; trap "kill $pid" EXIT; for i in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.1; done; cd examples/protocol_audit && BASE=http://127.0.0.1:18181 node http.mjs && BASE=http://127.0.0.1:18181 node ws.mjs'
