/*
 * gateway/ig_int: what the initiating gateway's query and retrieve paths share: turning
 * one peer's answer into a SOAP message or into the XDSUnavailableCommunity error that
 * names the peer, and passing a peer's RegistryErrors through.
 */
#ifndef HASHI_GATEWAY_IG_INT_H
#define HASHI_GATEWAY_IG_INT_H

#include "gateway/config.h"
#include "gateway/fanout.h"
#include "gateway/regerr.h"
#include "gateway/soap.h"

/* Adds XDSUnavailableCommunity located at PEER's HCID with our short WHY. */
void ig_unavailable(struct reg_errors *errs, const struct peer *peer, const char *why);

/* Returns the parsed answer of LEG, or NULL after adding the XDSUnavailableCommunity
 * error that says why (no answer, transport error, malformed message, SOAP fault). LIM
 * gives the configured parsing limits and tolerances (response mode is set here). */
struct soap_msg *ig_leg_message(const struct fanout_leg *leg, const struct soap_limits *lim,
    struct reg_errors *errs);

#endif
