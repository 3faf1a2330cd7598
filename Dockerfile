# syntax=docker/dockerfile:1
# kubestate container image, referenced by manifests/deployment.yaml:
#   docker build -t ghcr.io/kubestate/kubestate:0.1.0 .
#
# Build stage: the release binary, with every dependency version pinned by
# Cargo.lock (--locked fails rather than resolve anew).
FROM rust:1-bookworm AS build
WORKDIR /src
# .dockerignore keeps target/, node_modules and the deployment bundle out.
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin kubestate \
 && install -D -m 0755 target/release/kubestate /out/kubestate

# Runtime stage. TLS is rustls with ring (no OpenSSL), but the binary links
# glibc, so the base is distroless/cc: glibc, CA certificates and tzdata, no
# shell, no package manager. It runs as nobody (65534), matching the
# Deployment's runAsUser, with a read-only root filesystem.
FROM gcr.io/distroless/cc-debian12
COPY --from=build /out/kubestate /usr/local/bin/kubestate
USER 65534:65534
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/kubestate"]
CMD ["--port=8080", "--telemetry-port=8081"]
