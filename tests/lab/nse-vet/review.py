"""Code-reading verdicts for the 266 candidate scripts (nmap 7.93, Debian).

code:  clean   - every packet goes to the scanned host (host / host.ip), no
                 hostname resolution, no redirect/link following off-target
       escape  - reading the code (and/or the lab) shows a way to reach another
                 host, a resolver, or the local segment
       args    - does nothing unless given script-args (secmcp refuses
                 --script-args) or needs a hostname target / --traceroute
       noop    - sends nothing at all (reads registry/port table)
       v6      - IPv6-only; the lab is IPv4
reaches: target-port | target-any-port | none | description
"""

T, TA, N = "target-port", "target-any-port", "none"

R = {}


def r(names, code, reaches, note=""):
    for n in names.split():
        R[n] = (code, reaches, note)


# ---- escapes found by reading -------------------------------------------------
r("http-useragent-tester http-mobileversion-checker", "escape",
  "other hosts via redirects + httpspider links; DNS of link/redirect host names",
  "passes its own redirect_ok closure that accepts ANY host (script lines 38/85); also httpspider (see below); target.add inert without newtargets")
r("http-security-headers", "escape", "other hosts via redirects (2 hops); DNS of redirect host names",
  "own redirect_ok closure returns true for any URL (http-security-headers.nse:115-122)")
r("http-cisco-anyconnect", "escape", "other hosts via redirects (5 hops) then POST to the redirected host; DNS",
  "nselib/anyconnect.lua:70-95: own redirect_ok accepting any host, then self.host = u.host from response.location and http.post there")
r("http-affiliate-id", "escape", "amzn.to (or any host matched by its shortener pattern) found in the page body; DNS",
  "http-affiliate-id.nse:97-100: http.get(shortener, 80, shortened) for every amzn.to link in the target's page")
r("http-favicon", "escape", "other hosts via redirect from the target's own icon URL; DNS",
  "http-favicon.nse:86 calls http.get(icon_host) with the target IP as a STRING; http.lua redirect_ok_rules (1619-1623) then compare domain() = everything after the first dot, so a Location to http://<x>.<b>.<c>.<d>:<port>/ (same last 3 labels) is followed, including host names (resolved via system DNS). Lab: followed 302 to canary.99.0.7")
r("http-auth-finder http-backup-finder http-comments-displayer http-grep http-referer-checker", "escape",
  "other hosts on the same port number via httpspider links (ports other than 80/443); DNS of link host names",
  "nselib/httpspider.lua:131-147 withinhost: when the base port is not 80/443 it compares ONLY the port, not the host, so a link http://evil:8080/ on a :8080 site is crawled; on 80/443 it strips a leading www. (www.<target-ip> passes and is resolved via system DNS). The crawler fetches with http.get(url:getHost() STRING, ...) (httpspider.lua:859/866), so the http.lua domain() redirect hole applies too (lab on :80: followed 302 to 7.99.0.7). The Location of a NOT-followed redirect becomes the base URL for scraping (httpspider.lua:876-885). httpspider.withinhost=true / maxdepth=0 did not stop it in the lab")
r("http-fetch", "escape", "httpspider (as above); writes files to a local directory",
  "httpspider withinhost hole; needs http-fetch.destination script-arg and writes files")
r("dns-service-discovery", "escape", "any host named as glue/NS in the target's DNS answer (UDP/53 or 5353 of that host); system resolver for NS names without glue",
  "nselib/dnssd.lua:192/288 dns.query without noauth; nselib/dns.lua:264-281 getAuthDns follows an NS referral to the glue A records or resolves the NS name via nmap.get_dns_servers(). Lab: queried 203.0.113.9:5353")
r("dns-nsid", "escape", "referral following as dns-service-discovery (UDP/TCP 53 of glue hosts)",
  "dns-nsid.nse:81/101 dns.query(host=host.ip) without noauth: a referral answer makes dns.lua query the glue address")
r("lexmark-config", "escape", "referral following as dns-service-discovery",
  "lexmark-config.nse:61 dns.query(host=host.ip, port 5353) without noauth")
r("nbns-interfaces", "escape", "referral following to glue hosts on UDP/137",
  "nselib/netbios.lua:422-436 nbquery -> dns.query(host=host.ip) without noauth")
r("fcrdns", "escape", "system resolver (PTR of the target, then A/AAAA of every PTR name)",
  "fcrdns.nse:80/104 dns.query without host -> nmap.get_dns_servers(); already excluded by secmcp")
r("ftp-bounce", "escape", "makes the FTP server connect to scanme.nmap.org (resolved via system DNS)",
  "ftp-bounce.nse:39 nmap.resolve(scanme.nmap.org default) + PORT command; already excluded by secmcp")
r("resolveall", "args", "system resolver; adds targets",
  "prerule needs resolveall.hosts; hostrule needs a hostname target; nmap.resolve = getaddrinfo")
r("dns-srv-enum", "args", "system resolver; adds targets", "prerule needs dns-srv-enum.domain; dns.query to system servers")
r("dns-client-subnet-scan", "args", "the nameserver given by script-arg; referral following",
  "needs dns-client-subnet-scan.domain (without it only prints an error); dns.query without noauth")
r("ip-forwarding", "args", "the host given by ip-forwarding.target (resolved via dns.query), through the target as gateway",
  "by design reaches a third host; needs arg + same-segment MAC")
r("firewalk", "escape", "TTL-limited probes elicit answers from intermediate routers; needs --traceroute",
  "by design maps the gateway's filter; raw packets")
r("bittorrent-discovery", "args", "BitTorrent trackers and DHT peers", "prerule; needs torrent/magnet args")
r("url-snarf", "args", "none (sniffs the local interface)", "prerule sniffer; needs privileges; not tied to the target")
r("targets-ipv6-map4to6 targets-ipv6-wordlist targets-xml", "args", "adds arbitrary targets",
  "prerule target generators; need newtargets + args")
r("targets-traceroute", "args", "adds traceroute hops as targets", "hostrule false without newtargets; needs --traceroute")
r("ip-geolocation-map-kml", "args", "none; writes a KML file", "postrule over ip-geolocation-* (external) results; needs a filename arg")
r("unittest", "args", N, "prerule runs nselib unit tests only with unittest args")
r("ipv6-node-info", "v6", T, "ICMPv6 node information query to the target; IPv6 only")

# ---- target-only: scanned port ------------------------------------------------
clean_port = """acarsd-info afp-ls afp-serverinfo afp-showmount ajp-auth ajp-headers ajp-methods ajp-request
allseeingeye-info amqp-info backorifice-info banner bitcoin-info bitcoinrpc-info bjnp-discover cassandra-info
cccam-version cics-info citrix-enum-apps citrix-enum-servers citrix-enum-apps-xml citrix-enum-servers-xml
coap-resources couchdb-databases couchdb-stats cups-info cups-queue-info daap-get-library daytime db2-das-info
dicom-ping dict-info dns-recursion docker-version drda-info enip-info epmd-info eppc-enum-processes finger
fingerprint-strings fox-info freelancer-info ftp-anon ftp-syst ganglia-info giop-info gkrellm-info gopher-ls
gpsd-info hadoop-datanode-info hadoop-tasktracker-info hddtemp-info hnap-info http-apache-negotiation
http-apache-server-status http-auth http-bigip-cookie http-cakephp-version http-cors http-date http-generator
http-gitweb-projects-enum http-headers http-hp-ilo-info http-ls http-mcmp http-methods http-ntlm-info
http-php-version http-qnap-nas-info http-robots.txt http-sap-netweaver-leak http-server-header http-svn-enum
http-svn-info http-title http-traceroute http-trane-info http-vlcstreamer-ls http-webdav-scan https-redirect
iax2-version icap-info ike-version imap-capabilities imap-ntlm-info ip-https-discover ipmi-version irc-info
iscsi-info isns-info jdwp-info jdwp-version knx-gateway-info ldap-novell-getpass ldap-rootdse ldap-search
maxdb-info mcafee-epo-agent membase-http-info memcached-info mongodb-databases mongodb-info mqtt-subscribe
murmur-version mysql-audit mysql-dump-hashes mysql-info mysql-query nat-pmp-info nat-pmp-mapport ncp-enum-users
ncp-serverinfo ndmp-fs-info ndmp-version netbus-info netbus-version nntp-ntlm-info ntp-info omron-info
openflow-info openlookup-info openwebnet-discovery oracle-tns-version ovs-agent-version pcworx-info
pop3-capabilities pop3-ntlm-info pptp-version quake1-info quake3-info rdp-enum-encryption rdp-ntlm-info
redis-info rfc868-time riak-http-info rmi-dumpregistry rpcap-info rsync-list-modules rtsp-methods s7-info
sip-methods skypev2-version smtp-commands smtp-ntlm-info snmp-hh3c-logins snmp-info snmp-processes
snmp-sysdescr snmp-win32-services snmp-win32-shares snmp-win32-software snmp-win32-users socks-auth-info
ssh2-enum-algos sshv1 ssl-cert ssl-date sslv2 sstp-discover stun-info stun-version teamspeak2-version
telnet-encryption telnet-ntlm-info tls-alpn tls-nextprotoneg tn3270-screen ubiquiti-discovery uptime-agent-info
versant-info vmware-version vnc-info voldemort-info vuze-dht-info weblogic-t3-info wsdd-discover x11-access
xdmcp-discover xmlrpc-methods xmpp-info dhcp-discover bacnet-info"""
r(clean_port, "clean", T, "")

notes = {
    "http-generator": "redirect_ok = number (3): default same-host rules",
    "http-bigip-cookie": "redirect_ok=false",
    "http-cakephp-version": "redirect_ok=false",
    "http-server-header": "raw comm.tryssl GET /; Host header = get_hostname (no lookup)",
    "https-redirect": "only inspects the Location header, checks it names the target",
    "icap-info": "hostname only used in the request text",
    "sstp-discover": "targetname only in the Host header",
    "ip-https-discover": "targetname only in the Host header",
    "ssl-cert": "tls.servername = SNI text only; certificate SAN/AIA/CRL URLs are printed, never fetched",
    "xmpp-info": "server_name only in the stream header",
    "nat-pmp-mapport": "asks the target gateway to map a port (state change on the target); needs args to map",
    "jdwp-info": "injects and runs a Java class on the target JVM (target-only, but not passive)",
    "dhcp-discover": "unicast DHCPINFORM to host.ip:67 (dhcp.make_request(host.ip)); reply on local UDP/68",
    "wsdd-discover": "wsdd.Helper:new(host, port) unicast; 'broadcast' here is a condvar name",
    "knx-gateway-info": "unicast to the target; 'multicast' is a field it prints",
    "mcafee-epo-agent": "http.get(host, port) default rules",
    "membase-http-info": "http.get(host, port) default rules",
    "citrix-enum-apps-xml": "citrixxml http.post(host, port)",
    "citrix-enum-servers-xml": "citrixxml http.post(host, port)",
    "rmi-dumpregistry": "prints endpoints named by the registry, never connects to them",
    "gopher-ls": "prints menu items (with their hosts), never follows them",
    "mysql-audit": "needs credentials args to do anything beyond connecting",
    "mysql-dump-hashes": "needs credentials (creds registry/args)",
    "mysql-query": "needs credentials and query args",
    "ftp-anon": "nselib/ftp.lua:291 refuses a PASV address other than the target (checked in lab: PASV 8,8,8,8 refused)",
}
for k, v in notes.items():
    c, re_, _ = R[k]
    R[k] = (c, re_, v)

# ---- target-only: other ports / protocols of the target ----------------------
r("auth-owners", "clean", TA, "connects to the target's ident port 113 as well")
r("nbstat", "clean", TA, "UDP/137 of the target (raw socket, nselib/netbios.lua:330), no dns.query")
r("smb-ls smb-mbenum smb-os-discovery smb-protocols smb-security-mode smb2-capabilities smb2-security-mode smb2-time msrpc-enum",
  "clean", TA, "hostrule; SMB on 445/139 of the target; smb.start also asks the target's UDP/137 for its NetBIOS name (raw nbstat, no dns.query)")
r("p2p-conficker", "clean", TA, "TCP/UDP ports derived from host.ip (p2p-conficker.nse:587,612,627); realip arg would change the seed only")
r("ventrilo-info", "clean", TA, "UDP port of the same number on host.ip")
r("servicetags", "clean", TA, "host.ip on ports named by the target's answer (servicetags.nse:206-268)")
r("upnp-info", "clean", T, "unicast M-SEARCH to the target's UDP/1900. The LOCATION fetch is dead code in 7.93's default mode: override=true (default) needs the path to match 'http://.-(/.-)\\013' but upnp.lua:187 strips the CR, so nothing is fetched (lab: Location printed, no request). With --script-args upnp-info.override=false it would http.get_url(LOCATION) = ANY host; secmcp refuses script-args")
r("nfs-ls nfs-showmount nfs-statfs rpcinfo rpc-grind rusers", "clean", TA, "SunRPC: portmapper then mountd/nfs ports it lists, always on the target")
r("ms-sql-config ms-sql-dac ms-sql-dump-hashes ms-sql-hasdbaccess ms-sql-info ms-sql-ntlm-info ms-sql-query ms-sql-tables",
  "clean", TA, "mssql.lua: SQL browser UDP/1434 of the target, TCP ports it lists and SMB named pipes, all on host (pipe path rebuilt with host.ip, mssql.lua:890)")
r("quake3-master-getservers", "clean", T, "lists game servers named by the master; postrule only prints")
r("ssh-hostkey", "clean", T, "postrule only compares collected keys")
r("irc-info", "clean", T, "")
r("http-affiliate-id", *R["http-affiliate-id"])

# ---- target.add users: inert without --script-args newtargets -----------------
for n in ("bitcoin-getaddr flume-master-info hadoop-jobtracker-info hadoop-namenode-info hadoop-secondary-namenode-info "
          "hbase-master-info hbase-region-info omp2-enum-targets snmp-interfaces snmp-netstat").split():
    R[n] = ("clean", T, "calls target.add() with hosts from the answer; inert unless --script-args newtargets (nselib/target.lua:34-50), which secmcp refuses")

# ---- no network ----------------------------------------------------------------
r("address-info clock-skew creds-summary duplicates port-states reverse-index unusual-port", "noop", N,
  "reads the port table / registry only")

# ---- raw-packet probes to the target -----------------------------------------
r("ipidseq path-mtu qscan", "clean", TA, "raw packets to the target (needs root); path-mtu/qscan pick target ports")
