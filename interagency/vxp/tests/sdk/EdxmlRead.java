// Reads edXML packets with the reference QCVN 102:2016 library (EdXML102) and prints, per file,
// one JSON line with what it read, or the exception it threw.
//
// Usage: java -cp 'lib/*:.' EdxmlRead ed:FILE status:FILE ...
// "ed:" parses with EdXmlParser (a document: new, revoke, update, replace), "status:" with
// StatusXmlParser, as a receiver does after reading the packet's message type.

import com.vnpt.xml.base.attachment.Attachment;
import com.vnpt.xml.base.header.Bussiness;
import com.vnpt.xml.base.header.Organization;
import com.vnpt.xml.base.header.ReplacementInfo;
import com.vnpt.xml.base.header.ReplacementInfoList;
import com.vnpt.xml.base.header.ResponseFor;
import com.vnpt.xml.base.header.TraceHeader;
import com.vnpt.xml.base.header.TraceHeaderList;
import com.vnpt.xml.ed.Ed;
import com.vnpt.xml.ed.header.MessageHeader;
import com.vnpt.xml.ed.parser.EdXmlParser;
import com.vnpt.xml.status.Status;
import com.vnpt.xml.status.header.MessageStatus;
import com.vnpt.xml.status.parser.StatusXmlParser;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;

public final class EdxmlRead {
    private static final TimeZone VIETNAM = TimeZone.getTimeZone("Asia/Ho_Chi_Minh");

    public static void main(String[] args) throws Exception {
        // UTF-8 whatever the machine's locale: the packets' text is Vietnamese.
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        // The library parses dates in the default time zone; packets carry Vietnam's local time.
        TimeZone.setDefault(VIETNAM);
        for (String arg : args) {
            int colon = arg.indexOf(':');
            String kind = arg.substring(0, colon);
            String path = arg.substring(colon + 1);
            Json out = new Json().put("file", path).put("kind", kind);
            try {
                if (kind.equals("status")) {
                    readStatus(path, out);
                } else {
                    readDocument(path, out);
                }
                out.put("ok", true);
            } catch (Throwable exc) {
                out.put("ok", false).put("error", describe(exc));
            }
            stdout.println(out);
        }
    }

    private static void readDocument(String path, Json out) throws Exception {
        Ed ed;
        try (InputStream in = new FileInputStream(path)) {
            ed = EdXmlParser.getInstance().parse(in);
        }
        try {
            MessageHeader header = (MessageHeader) ed.getHeader().getMessageHeader();
            out.put("from", organId(header.getFrom()));
            List<String> to = new ArrayList<String>();
            for (Organization organization : header.getToes()) {
                to.add(organId(organization));
            }
            out.putList("to", to);
            out.put("documentId", header.getDocumentId());
            out.put("codeNumber", header.getCode() == null ? null : header.getCode().getCodeNumber());
            out.put("codeNotation", header.getCode() == null ? null : header.getCode().getCodeNotation());
            out.put("subject", header.getSubject());
            out.put(
                    "promulgationDate",
                    header.getPromulgationInfo() == null ? null : day(header.getPromulgationInfo().getPromulgationDate()));
            List<String> responseFor = new ArrayList<String>();
            if (header.getResponseFor() != null) {
                for (ResponseFor response : header.getResponseFor()) {
                    responseFor.add(response.getDocumentId());
                }
            }
            out.putList("responseFor", responseFor);
            TraceHeaderList trace = ed.getHeader().getTraceHeaderList();
            List<String> traced = new ArrayList<String>();
            if (trace != null && trace.getTraceHeaders() != null) {
                for (TraceHeader item : trace.getTraceHeaders()) {
                    traced.add(item.getOrganId() + "@" + stamp(item.getTimestamp()));
                }
            }
            out.putList("trace", traced);
            Bussiness business = trace == null ? null : trace.getBussiness();
            out.put("businessDocType", business == null ? null : business.getBussinessDocType());
            out.put("businessDocumentId", business == null ? null : business.getDocumentId());
            out.put("businessReason", business == null ? null : business.getBussinessDocReason());
            List<String> replaced = new ArrayList<String>();
            if (business != null && business.getReplacementInfoList() != null) {
                for (ReplacementInfoList list : business.getReplacementInfoList()) {
                    for (ReplacementInfo info : list.getReplacementInfo()) {
                        replaced.add(info.getDocumentId());
                    }
                }
            }
            out.putList("replaces", replaced);
            List<String> attachments = new ArrayList<String>();
            if (ed.getAttachments() != null) {
                for (Attachment attachment : ed.getAttachments()) {
                    attachments.add(attachment.getName() + "|" + sha256(attachment.getContent()));
                }
            }
            out.putList("attachments", attachments);
        } finally {
            ed.clean(); // the library unpacks attachments under java.io.tmpdir
        }
    }

    private static void readStatus(String path, Json out) throws Exception {
        Status status;
        try (InputStream in = new FileInputStream(path)) {
            status = StatusXmlParser.parse(in);
        }
        MessageStatus header = (MessageStatus) status.getHeader().getMessageHeader();
        out.put("from", organId(header.getFrom()));
        ResponseFor response = header.getResponseFor();
        out.put("responseForOrganId", response == null ? null : response.getOrganId());
        out.put("responseForDocumentId", response == null ? null : response.getDocumentId());
        out.put("responseForCode", response == null ? null : response.getCode());
        out.put("statusCode", header.getStatusCode());
        out.put("description", header.getDescription());
        out.put("timestamp", stamp(header.getTimestamp()));
        out.put("staff", header.getStaffInfo() == null ? null : header.getStaffInfo().getStaff());
    }

    private static String organId(Organization organization) {
        return organization == null ? null : organization.getOrganId();
    }

    private static String day(Date date) {
        return date == null ? null : format("yyyy/MM/dd", date);
    }

    private static String stamp(Date date) {
        return date == null ? null : format("yyyy/MM/dd HH:mm:ss", date);
    }

    private static String format(String pattern, Date date) {
        SimpleDateFormat format = new SimpleDateFormat(pattern);
        format.setTimeZone(VIETNAM);
        return format.format(date);
    }

    private static String sha256(File file) throws Exception {
        if (file == null) {
            return null;
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file.toPath()));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }

    private static String describe(Throwable exc) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = exc; cause != null; cause = cause.getCause()) {
            if (text.length() > 0) {
                text.append(" <- ");
            }
            text.append(cause.getClass().getName()).append(": ").append(cause.getMessage());
            if (cause.getCause() == cause) {
                break;
            }
        }
        return text.toString();
    }

    /** A flat JSON object: strings, booleans, null and lists of strings. */
    private static final class Json {
        private final StringBuilder body = new StringBuilder();

        Json put(String key, String value) {
            return raw(key, value == null ? "null" : quote(value));
        }

        Json put(String key, boolean value) {
            return raw(key, String.valueOf(value));
        }

        Json putList(String key, List<String> values) {
            StringBuilder list = new StringBuilder("[");
            for (String value : values) {
                if (list.length() > 1) {
                    list.append(',');
                }
                list.append(value == null ? "null" : quote(value));
            }
            return raw(key, list.append(']').toString());
        }

        private Json raw(String key, String value) {
            body.append(body.length() == 0 ? "" : ",").append(quote(key)).append(':').append(value);
            return this;
        }

        private static String quote(String value) {
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : value.toCharArray()) {
                if (c == '"' || c == '\\') {
                    quoted.append('\\').append(c);
                } else if (c < 0x20) {
                    quoted.append(String.format("\\u%04x", (int) c));
                } else {
                    quoted.append(c);
                }
            }
            return quoted.append('"').toString();
        }

        @Override
        public String toString() {
            return "{" + body + "}";
        }
    }
}
