# syntax=docker/dockerfile:1
# kubestate container image for builders with a registry, referenced by
# manifests/deployment.yaml:
#   docker build --build-arg KUBESTATE_REVISION=$(git rev-parse --short=12 HEAD) \
#     -t ghcr.io/kubestate/kubestate:0.1.0 .
# scripts/image builds the same static binary into an image FROM scratch with
# podman and no registry; tests/image.rs runs that image.
#
# Build stage: a statically linked release binary (musl: no libc, loader or
# NSS needed at run time), every dependency version pinned by Cargo.lock
# (--locked fails rather than resolve anew). ISA-L (gzip) is built from the
# isal-sys crate's source with autotools and nasm.
FROM docker.io/library/rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools autoconf automake libtool nasm make \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
# .dockerignore keeps target/, .git, node_modules and the deployment bundle
# out, so the revision comes in as an argument (build.rs reads it).
COPY . .
ARG KUBESTATE_REVISION
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin kubestate --target x86_64-unknown-linux-musl \
 && install -D -m 0755 target/x86_64-unknown-linux-musl/release/kubestate /out/kubestate \
 && strip --strip-debug /out/kubestate

# Runtime stage: distroless/static, which adds to scratch only CA
# certificates, tzdata and /etc/passwd; no shell, no package manager. It runs
# as nobody (65534), matching the Deployment's runAsUser, with a read-only
# root filesystem.
FROM gcr.io/distroless/static-debian12:nonroot
ARG KUBESTATE_REVISION
LABEL org.opencontainers.image.revision=$KUBESTATE_REVISION \
      org.opencontainers.image.title=kubestate \
      org.opencontainers.image.licenses=Apache-2.0
COPY --from=build /out/kubestate /usr/local/bin/kubestate
USER 65534:65534
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/kubestate"]
CMD ["--port=8080", "--telemetry-port=8081"]
