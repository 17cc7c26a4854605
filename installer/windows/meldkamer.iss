; Inno Setup 6 script: packs the Windows one-folder build (dist\meldkamer\) into
; dist\meldkamer-<version>-windows-x64-setup.exe. Build on Windows from the repository root:
;     pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\meldkamer.spec
;     iscc /DAppVersion=0.1.0 installer\windows\meldkamer.iss
; (see README, "Building on Windows"). It cannot be built on the Linux build machine.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Meldkamer"
#define AppExe "meldkamer.exe"
#define GuiExe "meldkamer-gui.exe"

[Setup]
; A fixed AppId: upgrades replace the installed version instead of adding a second one.
AppId={{6F1C2B7E-4D3A-4C55-9E1B-8A0D5B2C7F41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=KPCN meldkamer
AppComments=Dispatch workstation for the KPCN control room (Bonaire, Sint Eustatius, Saba)
DefaultDirName={autopf}\Meldkamer
DefaultGroupName=Meldkamer
DisableProgramGroupPage=yes
; Per machine: every operator account of the control-room PC gets the workstation.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=meldkamer-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName} {#AppVersion}
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "dutch"; MessagesFile: "compiler:Languages\Dutch.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "dist\meldkamer\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; The previous version's bundled files: a stale library must not shadow a new one.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Meldkamer"; Filename: "{app}\{#GuiExe}"; Parameters: "gui"; WorkingDir: "{app}"
Name: "{autoprograms}\Meldkamer trainer"; Filename: "{app}\{#GuiExe}"; Parameters: "trainer"; WorkingDir: "{app}"
Name: "{autodesktop}\Meldkamer"; Filename: "{app}\{#GuiExe}"; Parameters: "gui"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Parameters: "gui"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; The uninstaller removes {app} only: databases and settings in the users' AppData stay.
