#!/usr/bin/env bash
# Installs Bastion on this host: publishes the gateway and the admin app to /opt/bastion, creates the bastion
# service account and directories (sysusers/tmpfiles), puts a first configuration in /etc/bastion/, installs the
# units and enables them. Running it again upgrades the binaries and units and keeps /etc/bastion/bastion.json.
#
# Usage (as root, from the source tree): systemd/install.sh [--no-start] [--root DIR]
#   --no-start  enable the units but do not start them (edit /etc/bastion/bastion.json first)
#   --root DIR  install into an image rooted at DIR instead of this host (implies --no-start); used by the tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

root=""
start=yes
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-start) start=no ;;
    --root) root="$(realpath -m "${2:?--root needs a directory}")"; start=no; shift ;;
    *) echo "install.sh: unknown option $1 (use --no-start or --root DIR)" >&2; exit 2 ;;
  esac
  shift
done

[[ $(id -u) -eq 0 ]] || { echo "install.sh: run as root (it creates a service account and installs units)" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "install.sh: the .NET 10 SDK is needed to publish (dotnet not found on PATH)" >&2; exit 1; }
dotnet_host="$(readlink -f "$(command -v dotnet)")"
case "$dotnet_host" in
  /root/*|/home/*) echo "install.sh: dotnet is at $dotnet_host, which the service cannot reach (ProtectHome=yes); install the runtime system-wide (apt-get install dotnet-runtime-10.0 or under /usr/share/dotnet)" >&2; exit 1 ;;
esac

opt="$root/opt/bastion"
mkdir -p "$opt" "$root/etc/bastion" "$root/etc/systemd/system" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
# -r linux-x64 also keeps publish output in its own obj/bin folders, apart from a plain build (tests run beside it).
dotnet publish gateway/Bastion.Gateway -c Release --nologo -v quiet -p:PublishReadyToRun=true -r linux-x64 --self-contained false -o "$opt/gateway"
dotnet publish admin/Bastion.Admin -c Release --nologo -v quiet -r linux-x64 --self-contained false -o "$opt/admin"
install -m 0644 README.md "$opt/README.md"

install -m 0644 systemd/bastion.sysusers.conf "$root/usr/lib/sysusers.d/bastion.conf"
install -m 0644 systemd/bastion.tmpfiles.conf "$root/usr/lib/tmpfiles.d/bastion.conf"
systemd-sysusers ${root:+--root="$root"} "$root/usr/lib/sysusers.d/bastion.conf"
systemd-tmpfiles ${root:+--root="$root"} --create "$root/usr/lib/tmpfiles.d/bastion.conf"

config="$root/etc/bastion/bastion.json"
if [[ ! -f $config ]]; then
  # Listens on every address on port 22: move the host's own sshd elsewhere (or change Port) before starting.
  # Audit events go to journald as well, so a copy leaves the database at once (audit verify --against).
  cat > "$config" <<'JSON'
{
  "Bastion": {
    "DataDirectory": "/var/lib/bastion",
    "Ssh": { "ListenAddress": "0.0.0.0", "Port": 22 },
    "Store": { "Provider": "sqlite" },
    "Audit": { "Export": { "Stdout": { "Enabled": true } } }
  }
}
JSON
  chmod 0640 "$config"
  chown "root:$(grep -E '^bastion:' "$root/etc/group" | cut -d: -f3)" "$config"
fi

for unit in bastion-gateway.service bastion-admin.service bastion-backup.service bastion-backup.timer; do
  # The units name /usr/bin/dotnet; point them at this host's runtime if it lives elsewhere.
  sed "s|/usr/bin/dotnet |$dotnet_host |" "systemd/$unit" > "$root/etc/systemd/system/$unit"
  chmod 0644 "$root/etc/systemd/system/$unit"
done

if [[ -n $root ]]; then
  systemctl --root="$root" enable bastion-gateway.service bastion-admin.service bastion-backup.timer
elif [[ $start == yes ]]; then
  systemctl daemon-reload
  systemctl enable --now bastion-gateway.service bastion-admin.service bastion-backup.timer
else
  systemctl daemon-reload
  systemctl enable bastion-gateway.service bastion-admin.service bastion-backup.timer
fi
echo "installed to ${root:-/}. First admin: sudo -u bastion $dotnet_host /opt/bastion/gateway/bastion.dll --data /var/lib/bastion user add NAME --role admin"
