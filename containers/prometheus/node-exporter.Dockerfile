# Prometheus node exporter from Debian's `prometheus-node-exporter` package, built by
# `ops images build node-exporter` (src/images/prometheus-image.ts). ROOTFS is a debootstrap --variant=minbase root
# with prometheus-node-exporter and curl (the container health check).
ARG ROOTFS
FROM ${ROOTFS}

ENV LANG=C.UTF-8
USER nobody

# ops passes --path.rootfs=/host with the host's / mounted read-only there, and a loopback listen address.
EXPOSE 9100
ENTRYPOINT ["/usr/bin/prometheus-node-exporter"]

LABEL org.opencontainers.image.title="Prometheus node exporter (Debian package)" \
      org.opencontainers.image.licenses="Apache-2.0"
