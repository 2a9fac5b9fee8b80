using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>The one way acws replaces a file: temp file, backups, rename.</summary>
public class ServerFolderTests
{
    [Test]
    public async Task A_replaced_file_keeps_its_permissions_and_leaves_backups()
    {
        using var f = new TempServerFolder();
        string cfg = f.Cfg("server_cfg.ini");
        var before = File.ReadAllBytes(cfg);
        File.SetUnixFileMode(cfg, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var folder = new ServerFolder(f.Root);

        await Assert.That(folder.WriteAtomically(ServerFolder.ServerCfg, "[SERVER]\nNAME=new\n"u8.ToArray())).IsNull();

        await Assert.That(File.GetUnixFileMode(cfg)).IsEqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await Assert.That(File.ReadAllText(cfg)).IsEqualTo("[SERVER]\nNAME=new\n");
        await Assert.That(File.ReadAllBytes(cfg + ".old").SequenceEqual(before)).IsTrue();
        var copies = Directory.GetFiles(f.PathOf("logs/acws"), "server_cfg-*.ini");
        await Assert.That(copies.Length).IsEqualTo(1);
        await Assert.That(File.ReadAllBytes(copies[0]).SequenceEqual(before)).IsTrue();
        await Assert.That(Directory.GetFiles(f.PathOf("cfg"), "*.tmp")).IsEmpty();
    }

    [Test]
    public async Task A_crash_before_the_rename_leaves_the_old_file_and_no_temp_file()
    {
        using var f = new TempServerFolder();
        string cfg = f.Cfg("server_cfg.ini");
        var before = File.ReadAllBytes(cfg);
        var error = new ServerFolder(f.Root).WriteAtomically(ServerFolder.ServerCfg, "x"u8.ToArray(),
            beforeRename: () => throw new IOException("power cut"));
        await Assert.That(error).IsEqualTo("cannot write cfg/server_cfg.ini: power cut; the file was not changed");
        await Assert.That(File.ReadAllBytes(cfg).SequenceEqual(before)).IsTrue();
        await Assert.That(Directory.GetFiles(f.PathOf("cfg"), "*.tmp")).IsEmpty();
    }
}
