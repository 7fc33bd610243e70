using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// A throwaway CA and a serving certificate it signed for IP 127.0.0.1, written as PEM files: the test API server serves
/// HTTPS with them (<c>--tls-cert-file</c>, <c>--tls-private-key-file</c>) and kubeconfigs trust the CA, so kubectl and
/// the official client verify the server as they would a cluster's (and kubectl then sends the token).
/// </summary>
internal sealed class ServingCertificate
{
    private ServingCertificate(string caPem, string certFile, string keyFile, string thumbprint)
    {
        CaPem = caPem;
        CertFile = certFile;
        KeyFile = keyFile;
        Thumbprint = thumbprint;
    }

    public string CaPem { get; }
    public string CertFile { get; }
    public string KeyFile { get; }

    /// <summary>The serving certificate's SHA-1 thumbprint, for a plain HttpClient that pins it.</summary>
    public string Thumbprint { get; }

    public static ServingCertificate Create(TempDirectory directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=model-agent-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serving = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        return new ServingCertificate(ca.ExportCertificatePem(),
            directory.File("serving.crt", serving.ExportCertificatePem()),
            directory.File("serving.key", key.ExportPkcs8PrivateKeyPem()),
            serving.Thumbprint);
    }
}
