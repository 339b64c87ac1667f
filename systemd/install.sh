#!/usr/bin/env bash
# Installs Bastion on this host: publishes the gateway and the admin app to /opt/bastion, creates the bastion
# service account and directories (sysusers/tmpfiles), installs the units and enables them.
# Usage (as root, from the source tree): systemd/install.sh [--no-start]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $(id -u) -eq 0 ]] || { echo "install.sh: run as root" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "install.sh: the .NET 10 SDK is needed to publish (dotnet not found)" >&2; exit 1; }

dotnet publish gateway/Bastion.Gateway -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /opt/bastion/gateway
dotnet publish admin/Bastion.Admin -c Release -o /opt/bastion/admin
install -m 0644 README.md /opt/bastion/README.md

install -m 0644 systemd/bastion.sysusers.conf /usr/lib/sysusers.d/bastion.conf
install -m 0644 systemd/bastion.tmpfiles.conf /usr/lib/tmpfiles.d/bastion.conf
systemd-sysusers /usr/lib/sysusers.d/bastion.conf
systemd-tmpfiles --create /usr/lib/tmpfiles.d/bastion.conf
if [[ ! -f /etc/bastion/bastion.json ]]; then
  # Listen on every address on port 22; edit before starting if the host's own sshd uses 22.
  printf '{\n  "Bastion": {\n    "DataDirectory": "/var/lib/bastion",\n    "Ssh": { "ListenAddress": "0.0.0.0", "Port": 22 }\n  }\n}\n' > /etc/bastion/bastion.json
  chown root:bastion /etc/bastion/bastion.json
  chmod 0640 /etc/bastion/bastion.json
fi

install -m 0644 systemd/bastion-gateway.service systemd/bastion-admin.service /etc/systemd/system/
systemctl daemon-reload
if [[ ${1:-} == --no-start ]]; then
  systemctl enable bastion-gateway.service bastion-admin.service
else
  systemctl enable --now bastion-gateway.service bastion-admin.service
fi
echo "installed; first admin: sudo -u bastion dotnet /opt/bastion/gateway/bastion.dll --data /var/lib/bastion user add NAME --role admin"
