# yieldstack in a container, for the Kubernetes recipe in deploy/kubernetes
# (and any scheduler that runs images). Release build on the official Swift
# image, run on its slim variant as a non-root user.
#
#   docker build -t yieldstack:0.2.0 .
#   docker run --rm -v "$PWD/scenarios:/scenarios:ro" -v "$PWD/out:/data" yieldstack:0.2.0 \
#       run /scenarios/steth-aave-curve.json --shard 0/4 --db /data/shard-0.sqlite --quiet
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product yieldstack --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/yieldstack" /usr/local/bin/yieldstack

FROM swift:6.1-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 yieldstack
COPY --from=build /usr/local/bin/yieldstack /usr/local/bin/yieldstack
COPY scenarios /scenarios
USER 10001
WORKDIR /home/yieldstack
ENTRYPOINT ["yieldstack"]
CMD ["--help"]
