using System.Globalization;
using System.Text.RegularExpressions;
using Bastion.Hosting.Inventory;

namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>
/// Settings of the EC2 inventory, bound from <see cref="Section"/>. Check them with <see cref="Validate"/> before
/// starting the refresher.
/// </summary>
public sealed partial class Ec2InventoryOptions
{
    public const string Section = "Bastion:Inventory:Ec2";

    /// <summary>Off by default: a gateway without AWS accounts only uses the static inventory.</summary>
    public bool Enabled { get; set; }

    public List<Ec2AccountOptions> Accounts { get; set; } = [];

    /// <summary>Seconds between two refreshes of one account.</summary>
    public int RefreshSeconds { get; set; } = 60;

    /// <summary>
    /// Each period is stretched or shrunk by up to this fraction at random, so accounts configured together do
    /// not all call AWS in the same second.
    /// </summary>
    public double JitterFraction { get; set; } = 0.1;

    /// <summary>First wait after a throttled refresh; doubles with each throttled refresh in a row.</summary>
    public int ThrottleBackoffSeconds { get; set; } = 10;

    /// <summary>Longest wait after throttling.</summary>
    public int MaxBackoffSeconds { get; set; } = 300;

    /// <summary>EC2 endpoint override (tests, VPC endpoints); empty: the regional AWS endpoint.</summary>
    public string? Ec2ServiceUrl { get; set; }

    /// <summary>STS endpoint override (tests, VPC endpoints); empty: the regional AWS endpoint.</summary>
    public string? StsServiceUrl { get; set; }

    /// <summary>Timeout of one HTTP request to AWS.</summary>
    public int RequestTimeoutSeconds { get; set; } = 20;

    /// <summary>
    /// Retries the AWS SDK makes itself before a call fails. Kept small: the refresher retries on its own
    /// schedule, and a long SDK retry loop would hide throttling from it.
    /// </summary>
    public int SdkMaxErrorRetries { get; set; } = 2;

    /// <summary>MaxResults of each DescribeInstances page (5 to 1000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>RoleSessionName of the assumed roles; shows in the developer accounts' CloudTrail.</summary>
    public string SessionName { get; set; } = DefaultSessionName(Environment.MachineName);

    /// <summary>Lifetime asked for the assumed-role credentials (AWS minimum: 900 s).</summary>
    public int RoleDurationSeconds { get; set; } = 900;

    /// <summary>Assumed-role credentials are renewed this long before they expire.</summary>
    public int RoleRenewBeforeExpirySeconds { get; set; } = 300;

    /// <summary>
    /// An account whose instance list could not be read for longer than this stops resolving: an address in an old
    /// list may since have been given to another instance.
    /// </summary>
    public int MaxStaleSeconds { get; set; } = 900;

    /// <summary>Every problem found, each naming the configuration key to fix; empty when the settings are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }
        if (Accounts.Count == 0)
        {
            errors.Add($"{Section}:Accounts is empty; add an account (Id, Alias, RoleArn, Regions) or set {Section}:Enabled=false");
        }
        for (var i = 0; i < Accounts.Count; i++)
        {
            ValidateAccount(Accounts[i], $"{Section}:Accounts:{i}", errors);
        }
        foreach (var duplicate in Accounts.GroupBy(a => a.Id).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            errors.Add($"{Section}:Accounts: account {duplicate.Key} is listed {duplicate.Count()} times; keep one entry and list all its regions there");
        }
        foreach (var duplicate in Accounts.GroupBy(a => a.Alias, StringComparer.OrdinalIgnoreCase).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            errors.Add($"{Section}:Accounts: alias \"{duplicate.Key}\" is used by {duplicate.Count()} accounts; aliases must be unique");
        }
        if (RefreshSeconds < 1)
        {
            errors.Add($"{Section}:RefreshSeconds is {RefreshSeconds}; use at least 1 (60 is a good default)");
        }
        if (JitterFraction is < 0 or > 0.5 || double.IsNaN(JitterFraction))
        {
            errors.Add($"{Section}:JitterFraction is {JitterFraction.ToString(CultureInfo.InvariantCulture)}; use a value from 0 to 0.5");
        }
        if (ThrottleBackoffSeconds < 1)
        {
            errors.Add($"{Section}:ThrottleBackoffSeconds is {ThrottleBackoffSeconds}; use at least 1");
        }
        if (MaxBackoffSeconds < ThrottleBackoffSeconds)
        {
            errors.Add($"{Section}:MaxBackoffSeconds ({MaxBackoffSeconds}) is less than ThrottleBackoffSeconds ({ThrottleBackoffSeconds}); raise it");
        }
        if (MaxStaleSeconds < 2 * RefreshSeconds)
        {
            errors.Add($"{Section}:MaxStaleSeconds ({MaxStaleSeconds}) must be at least twice RefreshSeconds ({RefreshSeconds}), or healthy accounts would go stale between refreshes; 900 is the default");
        }
        foreach (var problem in AccountRanges.Overlaps(Accounts))
        {
            errors.Add(problem);
        }
        ValidateUrl(Ec2ServiceUrl, "Ec2ServiceUrl", errors);
        ValidateUrl(StsServiceUrl, "StsServiceUrl", errors);
        if (RequestTimeoutSeconds < 1)
        {
            errors.Add($"{Section}:RequestTimeoutSeconds is {RequestTimeoutSeconds}; use at least 1");
        }
        if (SdkMaxErrorRetries is < 0 or > 10)
        {
            errors.Add($"{Section}:SdkMaxErrorRetries is {SdkMaxErrorRetries}; use 0 to 10");
        }
        if (PageSize is < 5 or > 1000)
        {
            errors.Add($"{Section}:PageSize is {PageSize}; EC2 accepts 5 to 1000");
        }
        if (!SessionNamePattern().IsMatch(SessionName ?? ""))
        {
            errors.Add($"{Section}:SessionName \"{SessionName}\" is not a valid role session name; use 2 to 64 characters of letters, digits and +=,.@-");
        }
        if (RoleDurationSeconds is < 900 or > 43200)
        {
            errors.Add($"{Section}:RoleDurationSeconds is {RoleDurationSeconds}; AWS accepts 900 to 43200");
        }
        if (RoleRenewBeforeExpirySeconds < 0 || RoleRenewBeforeExpirySeconds >= RoleDurationSeconds)
        {
            errors.Add($"{Section}:RoleRenewBeforeExpirySeconds is {RoleRenewBeforeExpirySeconds}; use 0 to less than RoleDurationSeconds ({RoleDurationSeconds})");
        }
        return errors;
    }

    /// <summary>"bastion-" and the host name, cut to what a role session name allows.</summary>
    public static string DefaultSessionName(string machineName)
    {
        var cleaned = new string(("bastion-" + machineName).Select(c => char.IsAsciiLetterOrDigit(c) || "+=,.@-".Contains(c) ? c : '-').ToArray());
        return cleaned.Length > 64 ? cleaned[..64] : cleaned;
    }

    private static void ValidateAccount(Ec2AccountOptions account, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(account.Id))
        {
            errors.Add($"{key}:Id is empty; set the 12-digit AWS account id");
        }
        else if (!AccountIdPattern().IsMatch(account.Id))
        {
            errors.Add($"{key}:Id \"{account.Id}\" is not a 12-digit AWS account id");
        }
        if (string.IsNullOrWhiteSpace(account.Alias))
        {
            errors.Add($"{key}:Alias is empty; set a short name users will see, e.g. \"dev-a\"");
        }
        else if (!AliasPattern().IsMatch(account.Alias))
        {
            errors.Add($"{key}:Alias \"{account.Alias}\" must be a DNS label that starts with a letter (letters, digits, '-'; at most 63), e.g. \"dev-a\": users type it after a name and the DNS zone carries it");
        }
        if (account.Cidrs.Count == 0)
        {
            errors.Add($"{key}:Cidrs is empty; list the address ranges of the account's peered VPCs (e.g. [\"10.20.0.0/16\"]): instances outside them are never dialled");
        }
        for (var c = 0; c < account.Cidrs.Count; c++)
        {
            if (!AccountRanges.TryParse(account.Cidrs[c], out _))
            {
                errors.Add($"{key}:Cidrs:{c} \"{account.Cidrs[c]}\" is not an address range like 10.20.0.0/16 (the address must be the range's first, with no host bits set)");
            }
        }
        if (string.IsNullOrWhiteSpace(account.RoleArn))
        {
            errors.Add($"{key}:RoleArn is empty; set the role to assume, e.g. arn:aws:iam::{(account.Id.Length > 0 ? account.Id : "123456789012")}:role/bastion-inventory");
        }
        else if (RoleArnPattern().Match(account.RoleArn) is not { Success: true } match)
        {
            errors.Add($"{key}:RoleArn \"{account.RoleArn}\" is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
        }
        else if (account.Id.Length > 0 && match.Groups["account"].Value != account.Id)
        {
            errors.Add($"{key}:RoleArn names account {match.Groups["account"].Value} but {key}:Id is {account.Id}; make them agree");
        }
        if (account.ExternalId is { Length: > 0 and (< 2 or > 1224) })
        {
            errors.Add($"{key}:ExternalId must be 2 to 1224 characters long");
        }
        if (account.Regions.Count == 0)
        {
            errors.Add($"{key}:Regions is empty; list the regions to look in, e.g. [\"eu-west-1\"]");
        }
        for (var r = 0; r < account.Regions.Count; r++)
        {
            if (!RegionPattern().IsMatch(account.Regions[r] ?? ""))
            {
                errors.Add($"{key}:Regions:{r} \"{account.Regions[r]}\" is not an AWS region name like eu-west-1");
            }
        }
        foreach (var duplicate in account.Regions.GroupBy(r => r).Where(g => g.Count() > 1))
        {
            errors.Add($"{key}:Regions lists {duplicate.Key} {duplicate.Count()} times; list it once");
        }
    }

    private static void ValidateUrl(string? value, string name, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Section}:{name} \"{value}\" is not an http(s) URL; leave it empty to use AWS's regional endpoint");
        }
    }

    [GeneratedRegex("^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^arn:aws[a-z-]*:iam::(?<account>[0-9]{12}):role/[A-Za-z0-9+=,.@_/-]+$")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[A-Za-z0-9+=,.@_-]{2,64}$")]
    private static partial Regex SessionNamePattern();
}
