namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Follows NextToken through an EC2 Describe call, with the guards an endpoint that never stops paging needs: a
/// bound on pages and a refusal of a token seen before. One place for them, so every Describe call pages alike.
/// </summary>
internal static class Ec2Pages
{
    /// <summary>A guard against an endpoint that never stops paging; 100 pages of 1000 is far beyond any account.</summary>
    public const int MaxPagesPerRegion = 10_000;

    /// <summary>
    /// Calls <paramref name="readPage"/> with null, then with each token it returns, until it returns none.
    /// </summary>
    /// <param name="operation">The Ec2ErrorTranslator operation ("ec2:DescribeInstances"), for errors.</param>
    /// <param name="readPage">Reads one page for the token given, keeps its items, returns the next token.</param>
    public static async Task ReadAllAsync(string operation, Ec2AccountOptions account, string region, string endpoint, Func<string?, Task<string?>> readPage)
    {
        var action = operation[(operation.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? nextToken = null;
        for (var page = 0; ; page++)
        {
            if (page >= MaxPagesPerRegion)
            {
                throw new Ec2FetchException($"{action} for account {account} in {region} returned more than {MaxPagesPerRegion} pages; the endpoint {endpoint} keeps paging")
                {
                    Operation = operation, Region = region,
                };
            }
            nextToken = await readPage(nextToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(nextToken))
            {
                return;
            }
            if (!seenTokens.Add(nextToken))
            {
                throw new Ec2FetchException($"{action} for account {account} in {region} returned the same NextToken twice; the endpoint {endpoint} is paging in a loop")
                {
                    Operation = operation, Region = region,
                };
            }
        }
    }
}
