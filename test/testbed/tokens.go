package testbed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TokenUser is a ServiceAccount whose bearer token a kubeconfig reads from a file (tokenFile), as
// a pod's projected token or a rotated credential is used: client-go re-reads the file (at most
// a minute after it last read it, or at once after a 401). Rotate replaces the token and revokes
// the old one.
type TokenUser struct {
	c          *Cluster
	name, ns   string
	kubeconfig string
	tokenFile  string

	mu     sync.Mutex
	secret string // the Secret the current token is bound to: deleting it revokes the token
	n      int
}

// TokenUser creates ServiceAccount name in namespace, bound to a Role with exactly rules, and a
// kubeconfig (context namespace = namespace) whose user reads a token bound to a Secret from a
// token file. It returns once the API server accepts the token for the first rule.
func (c *Cluster) TokenUser(ctx context.Context, name, namespace string, rules []rbacv1.PolicyRule) (*TokenUser, error) {
	if err := c.EnsureNamespace(ctx, namespace); err != nil {
		return nil, err
	}
	_, err := c.clientset.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	rbac := c.clientset.RbacV1()
	meta := metav1.ObjectMeta{Name: "testbed-sa-" + name, Namespace: namespace}
	_ = rbac.Roles(namespace).Delete(ctx, meta.Name, metav1.DeleteOptions{})
	if _, err := rbac.Roles(namespace).Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: rules}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	_, err = rbac.RoleBindings(namespace).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta,
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: namespace}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: meta.Name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	dir := filepath.Join(c.dir, "users", "token-"+namespace+"-"+name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	u := &TokenUser{c: c, name: name, ns: namespace, kubeconfig: filepath.Join(dir, "kubeconfig"), tokenFile: filepath.Join(dir, "token")}
	if _, err := u.issue(ctx); err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(c.dir, "pki", "ca.crt"))
	if err != nil {
		return nil, err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["druid-logs-testbed"] = &clientcmdapi.Cluster{Server: c.restConfig.Host, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{TokenFile: u.tokenFile}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: "druid-logs-testbed", AuthInfo: name, Namespace: namespace}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, u.kubeconfig); err != nil {
		return nil, err
	}
	return u, u.waitAccepted(ctx)
}

// Kubeconfig is the path of the user's kubeconfig.
func (u *TokenUser) Kubeconfig() string { return u.kubeconfig }

// TokenFile is the path of the file the kubeconfig reads the token from.
func (u *TokenUser) TokenFile() string { return u.tokenFile }

// Rotate issues a new token, replaces the token file with it (atomically, as the kubelet
// replaces a projected token), then revokes the old token (its Secret is deleted): a client
// still holding the old one gets 401 Unauthorized from the next request on.
func (u *TokenUser) Rotate(ctx context.Context) error {
	oldToken, err := os.ReadFile(u.tokenFile)
	if err != nil {
		return err
	}
	old, err := u.issue(ctx)
	if err != nil {
		return err
	}
	err = u.c.clientset.CoreV1().Secrets(u.ns).Delete(ctx, old, metav1.DeleteOptions{})
	if err != nil {
		return err
	}
	if err := u.waitAccepted(ctx); err != nil {
		return err
	}
	rc := rest.AnonymousClientConfig(u.c.restConfig)
	rc.BearerToken = string(oldToken)
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	return WaitFor(ctx, 15*time.Second, "old token of "+u.name+" refused", func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Pods(u.ns).List(ctx, metav1.ListOptions{Limit: 1})
		return apierrors.IsUnauthorized(err), nil
	})
}

// issue binds a new token to a new Secret and writes it to the token file; it returns the
// previous token's Secret ("" the first time).
func (u *TokenUser) issue(ctx context.Context) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.n++
	secret := fmt.Sprintf("%s-token-%d", u.name, u.n)
	s, err := u.c.clientset.CoreV1().Secrets(u.ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secret}}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	tr, err := u.c.clientset.CoreV1().ServiceAccounts(u.ns).CreateToken(ctx, u.name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: ptr(int64(3600)),
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: s.Name, UID: s.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for ServiceAccount %s/%s: %w", u.ns, u.name, err)
	}
	tmp := u.tokenFile + ".new"
	if err := os.WriteFile(tmp, []byte(tr.Status.Token), 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, u.tokenFile); err != nil {
		return "", err
	}
	old := u.secret
	u.secret = secret
	return old, nil
}

// waitAccepted waits until a fresh client of the kubeconfig may list pods in the namespace.
func (u *TokenUser) waitAccepted(ctx context.Context) error {
	return WaitFor(ctx, 15*time.Second, "token of "+u.name+" accepted", func(ctx context.Context) (bool, error) {
		rc, err := clientcmd.BuildConfigFromFlags("", u.kubeconfig)
		if err != nil {
			return false, err
		}
		cs, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return false, err
		}
		_, err = cs.CoreV1().Pods(u.ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, nil
	})
}
