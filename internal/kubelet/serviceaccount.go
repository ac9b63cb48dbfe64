package kubelet

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ServiceAccount names the Kubernetes service account a projected token
// was issued for.
type ServiceAccount struct {
	Namespace string
	Name      string
	UID       string
}

// String returns "namespace/name/uid", the form ecr.Selection.ServiceAccount
// takes.
func (s ServiceAccount) String() string {
	return s.Namespace + "/" + s.Name + "/" + s.UID
}

// maxToken bounds the token ServiceAccountOf reads; the request's own bound
// already holds it under this, the check keeps the function safe alone.
const maxToken = MaxRequest

// ServiceAccountOf reads the service account from the claims of a
// Kubernetes service-account token (a JWT), WITHOUT verifying its
// signature, issuer, audience or expiry.
//
// That is safe for the one use it has: keying the disk cache, so that the
// registry token one service account got is never served to another. The
// token comes from the kubelet, which asked the API server for it; and the
// only thing it buys is the exchange with STS, which does verify it. A
// forged claim could at worst make its bearer share the cache entry of an
// account whose token it would also need to get past STS. Nothing else may
// trust these claims.
//
// The claims are the "kubernetes.io" private claim the API server puts in
// every bound token: namespace, serviceaccount.name and serviceaccount.uid,
// all three required (the uid tells a re-created account from the old one).
func ServiceAccountOf(token string) (ServiceAccount, error) {
	if len(token) > maxToken {
		return ServiceAccount{}, errors.New("service-account token is too large")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ServiceAccount{}, errors.New("service-account token is not a JWT (want three dot-separated parts)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ServiceAccount{}, errors.New("service-account token payload is not base64url")
	}
	var claims struct {
		Kubernetes *struct {
			Namespace      string `json:"namespace"`
			ServiceAccount struct {
				Name string `json:"name"`
				UID  string `json:"uid"`
			} `json:"serviceaccount"`
		} `json:"kubernetes.io"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return ServiceAccount{}, errors.New("service-account token payload is not a JSON object of claims")
	}
	k := claims.Kubernetes
	if k == nil || k.Namespace == "" || k.ServiceAccount.Name == "" || k.ServiceAccount.UID == "" {
		return ServiceAccount{}, errors.New("service-account token lacks the kubernetes.io namespace, service account name or uid claim")
	}
	sa := ServiceAccount{Namespace: k.Namespace, Name: k.ServiceAccount.Name, UID: k.ServiceAccount.UID}
	// The three are joined with "/" into the cache key: a part holding a
	// "/" could make two accounts collide. Kubernetes names never do.
	for _, p := range []string{sa.Namespace, sa.Name, sa.UID} {
		if strings.Contains(p, "/") || len(p) > 253 {
			return ServiceAccount{}, errors.New("service-account token has a malformed namespace, name or uid claim")
		}
	}
	return sa, nil
}
