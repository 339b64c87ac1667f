using Amazon.Runtime;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Turns SDK and network exceptions into <see cref="Ec2FetchException"/>s whose message names the account, the
/// call and what to check; throttling becomes <see cref="Ec2ThrottledException"/> so the refresher backs off.
/// </summary>
internal static class Ec2ErrorTranslator
{
    public const string AssumeRole = "sts:AssumeRole";
    public const string DescribeInstances = "ec2:DescribeInstances";
    public const string DescribeSecurityGroups = "ec2:DescribeSecurityGroups";

    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestThrottled",
    };

    private static readonly HashSet<string> CredentialCodes = new(StringComparer.Ordinal)
    {
        "AuthFailure", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch", "IncompleteSignature",
        "RequestExpired", "UnrecognizedClientException",
    };

    /// <summary>True when AWS may accept the same credentials again later (so they stay cached).</summary>
    public static bool KeepsCredentials(Ec2FetchException ex) =>
        ex is Ec2ThrottledException || ex.ErrorCode is null || !CredentialCodes.Contains(ex.ErrorCode);

    public static Ec2FetchException Translate(Exception ex, Ec2AccountOptions account, string operation, string region, string endpoint)
    {
        if (ex is Ec2FetchException already)
        {
            return already;
        }
        var where = $"{operation} for account {account} in {region}";
        if (ex is AmazonServiceException { ErrorCode: { Length: > 0 } code } service)
        {
            var said = $"{code}: {service.Message}";
            if (ThrottlingCodes.Contains(code) || service.Retryable?.Throttling == true)
            {
                return new Ec2ThrottledException($"{where} was throttled by AWS ({said}); backing off before the next refresh", ex)
                {
                    ErrorCode = code, Operation = operation, Region = region,
                };
            }
            var advice = (operation, code) switch
            {
                (AssumeRole, "AccessDenied") => $"check that the trust policy of {account.RoleArn} allows the gateway's principal"
                                                + (string.IsNullOrEmpty(account.ExternalId) ? "" : " with this ExternalId")
                                                + " and that the gateway may call sts:AssumeRole on it",
                (AssumeRole, "RegionDisabledException") => $"activate STS in {region} for the gateway's account, or list another region first",
                (DescribeInstances or DescribeSecurityGroups, "UnauthorizedOperation") => $"grant {operation} to {account.RoleArn}",
                (DescribeInstances or DescribeSecurityGroups, "OptInRequired") => $"remove {region} from the account's Regions or opt the account in to it",
                _ when CredentialCodes.Contains(code) => "AWS rejected the credentials; check the gateway's clock and its AWS credentials",
                _ => "see the AWS error above",
            };
            return new Ec2FetchException($"{where} failed ({said}); {advice}", ex) { ErrorCode = code, Operation = operation, Region = region };
        }
        if (ex is HttpRequestException or TimeoutException or OperationCanceledException
            || ex.InnerException is HttpRequestException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return new Ec2FetchException($"{where} could not reach {endpoint} ({ex.Message}); check the gateway's network path to AWS (VPC endpoints, proxy, security groups)", ex)
            {
                Operation = operation, Region = region,
            };
        }
        if (ex is AmazonClientException)
        {
            return new Ec2FetchException($"{where} failed before reaching AWS ({ex.Message}); give the gateway AWS credentials (instance profile, environment variables or ~/.aws) and check its configuration", ex)
            {
                Operation = operation, Region = region,
            };
        }
        return new Ec2FetchException($"{where} failed unexpectedly ({ex.GetType().Name}: {ex.Message})", ex) { Operation = operation, Region = region };
    }
}
