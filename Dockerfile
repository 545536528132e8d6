# nbsched container image (interfaces.md §10):  docker build -t nbsched .
#
# Two stages on Debian 12 (bookworm). The builder installs the same Debian -dev packages as
# scripts/install-deps.sh and builds the Release binary; the runtime stage holds only the
# Debian packages that own the shared libraries the binary links (what `ldd build/nbsched`
# lists: tests/image/dockerfile_packages_test.sh keeps this list and the binary in step), the
# CA certificates, and a non-root user 65532. Nothing of the builder is copied but the binary.
#
# Without a container engine, scripts/image.sh builds the same image offline with buildah.

# ---- builder --------------------------------------------------------------------------------
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
# The -dev packages and build tools of scripts/install-deps.sh (tests, benchmarks and the
# deployment/LDAP test tools are not needed to build the binary).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost-dev libboost-system-dev libboost-program-options-dev \
      libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev libabsl-dev libssl-dev \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      prometheus-cpp-dev libbenchmark-dev libglpk-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DNBSCHED_BUILD_TESTS=OFF -DNBSCHED_BUILD_BENCH=OFF \
 && cmake --build /build --target nbsched -j "$(nproc)" \
 && strip --strip-unneeded /build/nbsched \
 && /build/nbsched version

# ---- runtime --------------------------------------------------------------------------------
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
# runtime-packages: the owners (dpkg -S) of every library `ldd nbsched` lists, plus the CA
# certificates. libboost-program-options1.74.0 is there ahead of the binary: `nbsched serve`
# moves to Boost.Program_options (issue 16); the test allows exactly that one extra package.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libboost-program-options1.74.0 \
      libc-ares2 \
      libc6 \
      libgcc-s1 \
      libgrpc++1.51 \
      libgrpc29 \
      libprometheus-cpp-core1.0 \
      libprotobuf32 \
      libre2-9 \
      libsimdjson14 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin nonroot
COPY --from=build /build/nbsched /usr/local/bin/nbsched
USER 65532:65532
EXPOSE 8888
ENTRYPOINT ["/usr/local/bin/nbsched"]
