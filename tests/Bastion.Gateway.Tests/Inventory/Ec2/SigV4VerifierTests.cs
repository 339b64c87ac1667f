using System.Text;
using Bastion.FakeAws;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>The fake's signature check against AWS's published SigV4 example (IAM ListUsers, 2015-08-30).</summary>
public sealed class SigV4VerifierTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string ExampleSignature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    private readonly SigV4Verifier _verifier = new(
        akid => akid == "AKIDEXAMPLE" ? Secret : null,
        new FakeTimeProvider(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)));

    [Fact]
    public void The_published_example_verifies()
    {
        var result = _verifier.Verify(Example(ExampleSignature));

        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(("AKIDEXAMPLE", "us-east-1", "iam"), (result.AccessKeyId, result.Region, result.Service));
    }

    [Fact]
    public void A_changed_query_parameter_breaks_the_signature()
    {
        var result = _verifier.Verify(Example(ExampleSignature) with { RawQuery = "Action=ListUsers&Version=2010-05-09" });

        Assert.Equal("SignatureDoesNotMatch", result.ErrorCode);
    }

    [Fact]
    public void A_changed_body_breaks_the_signature()
    {
        var result = _verifier.Verify(Example(ExampleSignature) with { Body = Encoding.UTF8.GetBytes("Action=DeleteUser") });

        Assert.Equal("SignatureDoesNotMatch", result.ErrorCode);
    }

    [Fact]
    public void A_signature_from_another_secret_is_rejected()
    {
        var result = _verifier.Verify(Example(ExampleSignature.Replace('5', '6')));

        Assert.Equal("SignatureDoesNotMatch", result.ErrorCode);
    }

    [Fact]
    public void A_request_signed_long_ago_is_rejected()
    {
        var late = new SigV4Verifier(_ => Secret, new FakeTimeProvider(new DateTimeOffset(2015, 8, 30, 13, 0, 0, TimeSpan.Zero)));

        var result = late.Verify(Example(ExampleSignature));

        Assert.Equal("SignatureDoesNotMatch", result.ErrorCode);
        Assert.Contains("expired", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_access_key_is_rejected()
    {
        var nobody = new SigV4Verifier(_ => null, new FakeTimeProvider(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)));

        Assert.Equal("InvalidClientTokenId", nobody.Verify(Example(ExampleSignature)).ErrorCode);
    }

    [Fact]
    public void A_missing_Authorization_header_is_rejected()
    {
        var request = Example(ExampleSignature);
        var headers = request.Headers.Where(h => h.Key != "authorization").ToDictionary(h => h.Key, h => h.Value);

        Assert.Equal("MissingAuthenticationToken", _verifier.Verify(request with { Headers = headers }).ErrorCode);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("b=2&a=1", "a=1&b=2")]
    [InlineData("a=x y&a=b", "a=b&a=x%20y")]
    [InlineData("Prefix=a%2Fb~c", "Prefix=a%2Fb~c")]
    public void Query_strings_are_canonicalised_sorted_and_encoded(string raw, string canonical) =>
        Assert.Equal(canonical, SigV4Verifier.CanonicalQuery(raw));

    private static SigV4Request Example(string signature) => new(
        "GET",
        "/",
        "Action=ListUsers&Version=2010-05-08",
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = ["iam.amazonaws.com"],
            ["content-type"] = ["application/x-www-form-urlencoded; charset=utf-8"],
            ["x-amz-date"] = ["20150830T123600Z"],
            ["authorization"] = [$"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={signature}"],
        },
        ReadOnlyMemory<byte>.Empty);
}
