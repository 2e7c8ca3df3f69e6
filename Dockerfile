# Dockerfile - revtrace in an image, installed by `make install` (the same paths as on a
# host: /usr/bin/revtrace, /usr/share/revtrace/data, revtrace(1), the bash completion).
#   docker build -t revtrace .
#   docker run --rm revtrace replay URL --trace /usr/share/revtrace/data/wikidata-synthetic-1h.csv.gz ...
# docs/kubernetes.md runs it as a sharded Indexed Job.
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc make pkg-config \
      libcurl4-openssl-dev libsqlite3-dev zlib1g-dev libmicrohttpd-dev libjansson-dev \
      libcsv-dev && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN make -C /src revtrace && make -C /src install PREFIX=/usr DESTDIR=/out

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libcurl4 \
      libsqlite3-0 zlib1g libmicrohttpd12 libjansson4 libcsv3 sqlite3 \
      && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
ENTRYPOINT ["revtrace"]
