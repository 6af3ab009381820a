#!/usr/bin/perl
# An SMS centre built on Net::SMPP (Debian: libnet-smpp-perl), a Perl SMPP implementation the
# project did not write: it checks the SMS centre adapter against someone else's reading of
# SMPP 3.4, not only against the project's own simulator.
#
# Usage: perl net-smpp-smsc.pl PORT
# Binds one transceiver at a time (system_id lifeline, password secret). Every submit_sm is
# answered with a hex message id, then a text-form delivery receipt in a deliver_sm (esm_class
# 0x04); when the message asks for an answer ("回复1" in its UCS-2 text), the person answers
# "<REF> 1" from the destination number as a mobile-originated deliver_sm.
use strict;
use utf8;
use warnings;
use Net::SMPP;
use Encode qw(decode);

$| = 1;
my $port = shift or die "usage: $0 PORT\n";
my $listen = Net::SMPP->new_listen('127.0.0.1', port => $port, smpp_version => 0x34) or die "listen: $!\n";
print "listening on $port\n";
my $next_id = 0x2000;
my %ref_to;   # the order ref last seen to each number: a long message's ref is in its first part

while (my $conn = $listen->accept) {
  $conn->set_version(0x34);
  while (my $pdu = $conn->read_pdu()) {
    my $cmd = $pdu->{cmd};
    if ($cmd == Net::SMPP::CMD_bind_transceiver) {
      my $ok = ($pdu->{system_id} // '') eq 'lifeline' && ($pdu->{password} // '') eq 'secret';
      $conn->bind_transceiver_resp(system_id => 'perl-smsc', seq => $pdu->{seq}, status => $ok ? 0 : 0x0d);
      print "bound\n" if $ok;
    } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
      my $id = sprintf('%x', $next_id++);
      $conn->submit_sm_resp(message_id => $id, seq => $pdu->{seq});
      my $bytes = $pdu->{short_message} // '';
      # A concatenated part starts with its user data header (esm_class 0x40): skip it.
      $bytes = substr($bytes, ord(substr($bytes, 0, 1)) + 1) if (($pdu->{esm_class} // 0) & 0x40);
      my $text = ($pdu->{data_coding} // 0) == 8 ? decode('UCS-2BE', $bytes) : $bytes;
      print "submit $pdu->{destination_addr} $id\n";
      # The default alphabet's bytes as they came (GSM 03.38, one septet per octet): for the test to read.
      print "default-alphabet $pdu->{destination_addr} " . unpack('H*', $bytes) . "\n" if ($pdu->{data_coding} // 0) == 0;
      my $receipt = "id:$id sub:001 dlvrd:001 submit date:2607011630 done date:2607011631 stat:DELIVRD err:000 text:";
      $conn->deliver_sm(source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
                        esm_class => 0x04, data_coding => 0, short_message => $receipt, async => 1);
      $ref_to{$pdu->{destination_addr}} = $1 if $text =~ /^\[([A-Z0-9]{4,6})\]/;
      if ($text =~ /回复1/ && defined $ref_to{$pdu->{destination_addr}}) {
        $conn->deliver_sm(source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
                          esm_class => 0, data_coding => 0, short_message => "$ref_to{$pdu->{destination_addr}} 1", async => 1);
        print "answered $pdu->{destination_addr}\n";
      }
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
      $conn->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
      $conn->unbind_resp(seq => $pdu->{seq});
      last;
    }
    # deliver_sm_resp and anything else: nothing to do
  }
  close $conn;
}
