# pki.sh: the test bed's openssl PKI (sourced by up.sh). One CA signs everything.
# shellcheck shell=bash

# new_cert NAME SUBJECT EXTENSIONS: EC P-256 key NAME.key (PKCS#8) + NAME.crt signed by the CA.
new_cert() {
  local name="$1" subj="$2" ext="$3"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "0x$(openssl rand -hex 12)" \
    -days 30 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_pki() {
  mkdir -p "$PKI"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=druid-logs-testbed-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  local server="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
  new_cert apiserver "/CN=kube-apiserver" "$server
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" &
  new_cert kubelet "/CN=testbed-kubelet" "$server
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kwok-endless,DNS:kubelet-ending" &
  new_cert kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client" &
  new_cert admin "/O=system:masters/CN=testbed-admin" "$client" &
  new_cert controller-manager "/O=system:masters/CN=system:kube-controller-manager" "$client" &
  new_cert scheduler "/O=system:masters/CN=system:kube-scheduler" "$client" &
  new_cert kwok "/O=system:masters/CN=kwok" "$client" &
  new_cert testbed-kubelet "/O=system:masters/CN=testbed-kubelet" "$client" &
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  wait
  local c
  for c in apiserver kubelet kubelet-client admin controller-manager scheduler kwok testbed-kubelet; do
    [[ -s "$PKI/$c.crt" ]] || die "creating certificate $c failed"
  done
}

# write_kubeconfig FILE CERT_NAME USER: a kubeconfig with the CA and client cert embedded.
write_kubeconfig() {
  local file="$1" cert="$2" user="$3"
  cat > "$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: druid-logs-testbed
  cluster:
    server: https://127.0.0.1:$TESTBED_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 < "$PKI/$cert.key")
contexts:
- name: $user@druid-logs-testbed
  context:
    cluster: druid-logs-testbed
    user: $user
    namespace: default
current-context: $user@druid-logs-testbed
YAML
  chmod 600 "$file"
}
