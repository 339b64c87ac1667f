using Bastion.Ssh.Algorithms;

namespace Bastion.Ssh.Tests.Algorithms;

public class AlgorithmTableTests
{
    [Fact]
    public void Default_lists_every_algorithm_in_preference_order()
    {
        var table = AlgorithmTable.Default;
        Assert.Equal(
            [
                "mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512",
                "curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256",
            ],
            table.KeyExchanges.Select(a => a.Name));
        Assert.Equal(
            ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes128-ctr"],
            table.Ciphers.Select(a => a.Name));
        Assert.Equal(["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"], table.Macs.Select(a => a.Name));
        Assert.Equal(
            [
                "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com", "rsa-sha2-512", "rsa-sha2-256",
            ],
            table.PublicKeys.Select(a => a.Name));
    }

    [Fact]
    public void Default_cannot_be_modified_through_its_lists()
    {
        Assert.Throws<NotSupportedException>(() => ((IList<Bastion.Ssh.Algorithms.Ciphers.CipherAlgorithm>)AlgorithmTable.Default.Ciphers).Clear());
    }

    [Fact]
    public void Find_matches_exact_names_only()
    {
        var table = AlgorithmTable.Default;
        Assert.Equal("aes128-ctr", table.FindCipher("aes128-ctr")!.Name);
        Assert.Null(table.FindCipher("AES128-CTR"));
        Assert.Null(table.FindCipher("aes128-cbc"));
        Assert.Null(table.FindMac("HMAC-SHA2-256"));
        Assert.Null(table.FindMac("hmac-sha1"));
        Assert.Null(table.FindPublicKey("ssh-rsa"));
        Assert.Null(table.FindKeyExchange("diffie-hellman-group1-sha1"));
        Assert.NotNull(table.FindKeyExchange("curve25519-sha256@libssh.org"));
        Assert.NotNull(table.FindPublicKey("ecdsa-sha2-nistp521"));
    }

    [Fact]
    public void Restrict_keeps_table_order_and_rejects_unknown_or_empty()
    {
        var restricted = AlgorithmTable.Default.Restrict(ciphers: ["aes128-ctr", "chacha20-poly1305@openssh.com"]);
        Assert.Equal(["chacha20-poly1305@openssh.com", "aes128-ctr"], restricted.Ciphers.Select(a => a.Name));
        Assert.Equal(AlgorithmTable.Default.KeyExchanges, restricted.KeyExchanges);
        Assert.Null(restricted.FindCipher("aes256-gcm@openssh.com"));

        Assert.Throws<ArgumentException>(() => AlgorithmTable.Default.Restrict(macs: ["hmac-md5"]));
        Assert.Throws<ArgumentException>(() => AlgorithmTable.Default.Restrict(publicKeys: []));
    }

    [Fact]
    public void Key_and_iv_lengths_match_the_specifications()
    {
        var table = AlgorithmTable.Default;
        Assert.Equal((64, 0), (table.FindCipher("chacha20-poly1305@openssh.com")!.KeyLength, table.FindCipher("chacha20-poly1305@openssh.com")!.IvLength));
        Assert.Equal((32, 12), (table.FindCipher("aes256-gcm@openssh.com")!.KeyLength, table.FindCipher("aes256-gcm@openssh.com")!.IvLength));
        Assert.Equal((16, 12), (table.FindCipher("aes128-gcm@openssh.com")!.KeyLength, table.FindCipher("aes128-gcm@openssh.com")!.IvLength));
        Assert.Equal((32, 16), (table.FindCipher("aes256-ctr")!.KeyLength, table.FindCipher("aes256-ctr")!.IvLength));
        Assert.Equal((16, 16), (table.FindCipher("aes128-ctr")!.KeyLength, table.FindCipher("aes128-ctr")!.IvLength));
    }
}
