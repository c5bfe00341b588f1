#!/usr/bin/env bash
# What gateway/tests/k8s-manifests.test.ts needs, kept in .tools/ and used offline: kubeconform
# (a Go module, built with the machine's Go) and the JSON schemas of one Kubernetes release,
# taken from the kubernetes-validate package on PyPI (which ships them) and made self-contained
# for kubeconform (scripts/kubernetes-schemas.py). Fast when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBECONFORM_VERSION=v0.8.0
SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
KUBERNETES_VERSION=v1.34.0
tools="$PWD/.tools"

source scripts/apt-install.sh

if [ ! -x "$tools/bin/kubeconform" ]; then
  command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || apt_install "the Kubernetes manifests' test" 'Debian package names' golang-go
  go_bin=$(command -v go || echo /usr/local/go/bin/go)
  echo "setup: installing kubeconform $KUBECONFORM_VERSION"
  GOBIN="$tools/bin" "$go_bin" install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi

schemas="$tools/kubernetes-schemas/$KUBERNETES_VERSION"
if [ ! -f "$schemas/.complete" ]; then
  python3 -m pip --version >/dev/null 2>&1 || apt_install "the Kubernetes manifests' test" 'Debian package names' python3-pip
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  python3 -m pip download --quiet --no-deps --dest "$download" "$SCHEMAS_PACKAGE"
  python3 scripts/kubernetes-schemas.py "$download"/kubernetes_validate-*.whl "$KUBERNETES_VERSION" "$schemas"
fi
